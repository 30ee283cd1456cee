"""`make demo`'s conversations: Hebrew and English ones, between members of a club and with the assistant.

Idempotent like the rest of the demo: athletes who already have conversations are left alone.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select

from db.engine import create_engine, create_sessionmaker
from db.models import Organization, OrganizationMember, SetLog, User
from documents import conversations as store_ops
from documents.store import DocumentStore
from domain.text import detect_language

log = logging.getLogger(__name__)

CLUB = "Tel Aviv Barbell Club"
# (speaker, text): "dana", "sam" and "noa" are athletes of the demo; an intent marks the assistant's
# lines (a logged set links the athlete's latest set).
CLUB_TALK = [
    ("dana", "נועה, את באה מחר לאימון רגליים בשבע?"),
    ("noa", "כן! רק תזכירי לי כמה סטים של סקוואט עשינו בשבוע שעבר"),
    ("dana", "חמישה סטים של חמש. ננסה להוסיף 2.5 קילו 💪"),
    ("noa", "סגור, ונעשה גם lunges בסוף"),
]
SAM_ASSISTANT = [
    ("sam", "Log my squats: 5 sets of 5 at 110 kg"),
    ("log_exercise", "Logged 5×5 at 110 kg on Barbell Squat. That is your best squat volume this month."),
    ("sam", "What should I do next week?"),
    ("advice", "Keep 5×5 and add 2.5 kg if every rep felt solid; deload if sleep was short."),
]
DANA_ASSISTANT = [
    ("dana", "רשום לי בנץ' 4 סטים של 6 ב-50 קילו"),
    ("log_exercise", "רשמתי 4×6 ב-50 קילו בלחיצת חזה. כל הכבוד!"),
    ("dana", "ומה עם ה-deadlift?"),
    ("advice", "בדדליפט עשית 3×5 ב-80 קילו ביום שני. אפשר לעלות ל-82.5 בפעם הבאה."),
]


async def _users_and_club(sessionmaker) -> tuple[dict[str, User], dict[str, SetLog]]:
    """The demo athletes, their club (dana owns it, noa is a member) and each one's latest set."""
    async with sessionmaker.begin() as session:
        users = {u.username: u for u in (await session.execute(select(User).where(User.username.in_(["dana", "sam", "noa"])))).scalars()}
        if len(users) < 3:
            return {}, {}
        club = await session.scalar(select(Organization).where(Organization.name == CLUB))
        if club is None:
            club = Organization(name=CLUB)
            session.add(club)
            await session.flush()
            session.add_all([OrganizationMember(organization_id=club.id, user_id=users["dana"].id, role="owner"),
                             OrganizationMember(organization_id=club.id, user_id=users["noa"].id, role="member")])
        latest = {}
        for name in ("dana", "sam"):
            stmt = select(SetLog).where(SetLog.user_id == users[name].id).order_by(SetLog.completed_at.desc()).limit(1)
            latest[name] = await session.scalar(stmt)
    return users, latest


async def _talk(store: DocumentStore, conversation: dict, users: dict[str, User], lines: list, set_log: SetLog | None) -> None:
    for speaker, text in lines:
        user = users.get(speaker)
        assistant = None
        if user is None:
            logs = speaker == "log_exercise" and set_log is not None
            assistant = {"tool": "log_set" if logs else None, "intent": speaker, "confidence": 0.9, "setLogId": set_log.id if logs else None}
        _, logged = await store_ops.append_message(
            store, conversation["_id"], authorId=user.id if user else None, authorKey=f"demo:{speaker}", role="user" if user else "assistant",
            content=text, language=detect_language(text), clientId=None, replyToId=None, assistant=assistant,
        )
        await store_ops.mark_published(store, [logged["_id"]])  # nobody is subscribed yet


async def load(url: str, mongo_url: str) -> int:
    engine = create_engine(url, pool_size=1)
    store = DocumentStore(mongo_url, timeout_ms=10_000)
    try:
        await store.ensure_indexes()
        users, latest = await _users_and_club(create_sessionmaker(engine))
        if not users or await store.conversations.count_documents({"participants": users["dana"].id}, limit=1):
            return 0
        club = await store_ops.create_conversation(store, kind="direct", title="אימון רגליים", participants=[users["dana"].id, users["noa"].id],
                                                   createdBy=users["dana"].id)
        await _talk(store, club, users, CLUB_TALK, None)
        for name, lines, title in (("sam", SAM_ASSISTANT, "Training log"), ("dana", DANA_ASSISTANT, "יומן אימונים")):
            conversation = await store_ops.create_conversation(store, kind="assistant", title=title, participants=[users[name].id],
                                                               createdBy=users[name].id, context=None)
            await _talk(store, conversation, users, lines, latest[name])
        return 3
    finally:
        await store.close()
        await engine.dispose()


def load_conversations(url: str, mongo_url: str) -> None:
    count = asyncio.run(load(url, mongo_url))
    log.info("demo: %d conversations (Hebrew, English, with the assistant)", count)
