"""`make bench`'s section of docs/benchmarks.md and its latency plot."""

from __future__ import annotations

import os
from pathlib import Path

SECTION = "## Queries at scale (`make bench`)"
PLOT = "bench-latency.png"


def table(results: list[dict], naive: list[dict]) -> list[str]:
    lines = [
        "| case | concurrency | req/s | p50 ms | p99 ms | SQL statements / request | psycopg replay req/s | efficiency |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(f"| {r['case']} | {r['concurrency']} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                     f"{r['statements']:.1f} | {r['replay_rps']:.1f} | {r['efficiency']:.2f} |")
    for r in naive:
        lines.append(f"| {r['case']} | {r['concurrency']} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} | "
                     f"{r['statements']:.1f} | – | – |".replace("| nan ", "| – "))
    return lines


def plot(results: list[dict], naive: list[dict], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing: no plot (pip install '.[bench]')")
        return False
    fig, ax = plt.subplots(figsize=(8, 5))
    cases = list(dict.fromkeys(r["case"] for r in results + naive))
    for i, case in enumerate(cases):
        rows = [r for r in results + naive if r["case"] == case]
        xs = [r["concurrency"] for r in rows]
        color = f"C{i}"
        ax.plot(xs, [r["p50"] for r in rows], "o-", color=color, label=f"{case} p50")
        ax.plot(xs, [r["p99"] for r in rows], "x--", color=color, alpha=0.6)
    ax.set_xscale("log", base=2)
    ax.set_yscale("log")
    ax.set_xticks(sorted({r["concurrency"] for r in results}))
    ax.get_xaxis().set_major_formatter(matplotlib.ticker.ScalarFormatter())
    ax.set_xlabel("concurrent connections")
    ax.set_ylabel("latency, ms (solid p50, dashed p99)")
    ax.set_title("RepGraph latency vs concurrency")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


def conversation_lines(chat: dict | None) -> list[str]:
    """The conversation cases: MongoDB reads and writes beside PostgreSQL (bench/conversations.py)."""
    if not chat:
        return []
    lines = [
        f"**Conversations** (MongoDB: {chat['mongo']}; `bench/conversations.py`): *conversation page* — one conversation's newest 50 messages with their authors "
        "(one MongoDB query and one PostgreSQL statement); *sendMessage* — each connection writing to its own "
        "conversation (100 in all).",
        "",
        "| case | concurrency | req/s | p50 ms | p99 ms |",
        "|---|---|---|---|---|",
        *(f"| {r['case']} | {r['concurrency']} | {r['rps']:.1f} | {r['p50']:.1f} | {r['p99']:.1f} |" for r in chat["rows"]),
        "",
        f"sendMessage → the conversation's subscriber, {chat['delivery']['conversations']} conversations with a live "
        f"subscriber each, {chat['delivery']['messages']} messages one after another: p50 {chat['delivery']['p50']:.1f} ms, "
        f"p99 {chat['delivery']['p99']:.1f} ms.",
        "",
    ]
    return lines


def write(report: Path, results: list[dict], naive: list[dict], modes: dict, deep: dict, fanout: dict | None, minutes: float,
          conversations: dict | None = None) -> None:
    has_plot = plot(results, naive, report.parent / PLOT)
    stmts = {m: modes[m]["statements"] for m in modes}
    lines = [
        SECTION,
        "",
        f"`make bench` ({minutes:.0f} min on this machine, dataset reused; building it adds about a minute): a database of its own with "
        "2,000 users, 200,000 workout sessions, 4,000,000 set logs and one heavy user with 1,500 sessions (COPY, "
        f"`bench/dataset.py`). One server process (uvicorn, uvloop, httptools), a load generator in another process "
        f"(closed loop over keep-alive connections, `bench/loadgen.py`), {os.cpu_count()} cores shared by server, load "
        "generator and PostgreSQL. Each point: 1 s warm-up, then a fixed time. SQL statements per request are counted "
        "in process on the same requests (`bench/capture.py`); **efficiency** is the server's requests/s divided by the "
        "requests/s of exactly those statements (same parameters) replayed with bare psycopg over as many connections.",
        "",
        *table(results, naive),
        "",
    ]
    if has_plot:
        lines += [f"![latency vs concurrency]({PLOT})", ""]
    lines += [
        "Cases: *dashboard* — viewer → last 20 sessions → their sets (20 each) → exercise, plus the last 10 personal "
        "records → exercise (~3,800 fields executed); *exercise search* — name search, first 20 and total count; "
        "*session by node* — one session with totals and its sets; *heavy history* — the heavy user's 1,500 sessions "
        "paged 20 at a time to the end (all pages cycled); *logSet* — one set logged per request, each connection in "
        "its own workout.",
        "",
        "Results identical with and without caches: the dashboard and session responses of three users are compared "
        "across loader modes (`LOADER_MODE`): batched (DataLoader batching and cache), uncached (`cache=False`) and "
        f"naive (`batch=False`, no cache: every key its own query). Statements for those requests: "
        f"batched {stmts['batched']}, uncached {stmts['uncached']}, naive {stmts['naive']}.",
        "",
        f"Heavy user's history, {deep['pages']} pages: the first page costs {deep['first_statements']} statements, the deepest "
        f"{deep['deepest_statements']}; p50 {deep['first']['p50']:.2f} ms vs {deep['deepest']['p50']:.2f} ms "
        f"(deepest / first = {deep['ratio']:.2f}; target ≤ 1.2; the two pages requested alternately on one connection). "
        "EXPLAIN (ANALYZE, BUFFERS) of their statements, and of the dashboard's (every large table through an index; the exercise library, 873 rows, is read whole when ~20 ids are asked at once, which the planner finds cheaper than 20 probes):",
        "",
        "| page | table | indexes | seq scans | execution ms | shared buffers hit |",
        "|---|---|---|---|---|---|",
    ]
    for label, key in (("history, first", "explain_first"), ("history, deepest", "explain_deepest"), ("dashboard", "explain_dashboard")):
        for e in deep.get(key, []):
            lines.append(f"| {label} | {e['table']} | {', '.join(e['indexes']) or '–'} | {', '.join(e['seq_scans']) or '–'} | "
                         f"{e['ms']:.2f} | {e['buffers']} |")
    lines.append("")
    if fanout:
        lines += [
            f"Live fan-out (bench.live's scenario, one workout × {fanout['subscribers']} subscribers, {fanout['events']} sets): "
            f"{fanout['delivered']}/{fanout['expected']} deliveries, p50 {fanout['p50']:.1f} ms, p99 {fanout['p99']:.1f} ms "
            f"(logSet → event received). Larger cases: `make bench-live`, above.",
            "",
        ]
    lines += conversation_lines(conversations)
    replace_section(report, SECTION, "\n".join(lines) + "\n")


def replace_section(report: Path, heading: str, section: str) -> None:
    """Put `section` (starting with `heading`) in place of the old one in docs/benchmarks.md, or append it.

    Hand-written notes under a section (### headings) stay; only the generated part is replaced.
    """
    text = report.read_text() if report.exists() else "# Benchmarks\n\n"
    start = text.find(heading)
    if start >= 0:
        end = text.find("\n## ", start + 1)
        notes = text.find("\n### ", start + 1)
        if notes >= 0 and (end < 0 or notes < end):
            end = notes
        text = text[:start] + section + (text[end + 1:] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    report.write_text(text)
