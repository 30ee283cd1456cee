// The live benchmark's subscriber process (Node, so that receiving 10,000 sockets' frames
// does not itself become what is measured). Same contract as bench/subscribers.py:
// prints "ready N" once every subscription has replayed its workout's STARTED event (so it
// is live), records [set id, receipt time in seconds] for every SetLogged, and when stdin
// closes writes them as JSON to --out and prints "done <receipts> failed <count>".
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import WebSocket from "ws";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    out: { type: "string" },
    plan: { type: "string" },
    "connect-concurrency": { type: "string", default: "200" },
  },
});

const QUERY = `subscription($s: ID!, $a: String) { workoutEvents(sessionId: $s, after: $a) {
  __typename ... on SetLogged { setLog { id reps weight exercise { name } } } } }`;
const FROM_START = "ZXZ0OjA"; // event id 0: replay the workout from its start

const plan = JSON.parse(readFileSync(args.plan, "utf8"));
const receipts = [];
let failed = 0;
const sockets = [];
const now = () => (performance.timeOrigin + performance.now()) / 1000;

function follow(token, sessionId) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(args.url, "graphql-transport-ws", { perMessageDeflate: false });
    sockets.push(ws);
    let live = false;
    ws.on("open", () => ws.send(JSON.stringify({ type: "connection_init", payload: { Authorization: `Bearer ${token}` } })));
    ws.on("message", (raw, isBinary) => {
      const t = now();
      const message = JSON.parse(raw.toString());
      if (message.type === "connection_ack") {
        ws.send(JSON.stringify({ id: "1", type: "subscribe", payload: { query: QUERY, variables: { s: sessionId, a: FROM_START } } }));
      } else if (message.type === "ping") {
        ws.send('{"type":"pong"}');
      } else if (message.type === "next" && !message.payload.errors && !isBinary) {
        const event = message.payload.data.workoutEvents;
        if (event.__typename === "SetLogged") receipts.push([event.setLog.id, t]);
        else if (!live) { live = true; resolve(); }
      } else if (message.type !== "pong") {
        failed += 1;
        reject(new Error(raw.toString()));
      }
    });
    ws.on("error", (err) => { failed += 1; reject(err); });
    ws.on("close", () => { if (!live) reject(new Error("closed before live")); });
  });
}

const jobs = [];
for (const [token, sessionId, count] of plan) for (let i = 0; i < count; i++) jobs.push([token, sessionId]);
const concurrency = Number(args["connect-concurrency"]);
let next = 0;
async function worker() {
  while (next < jobs.length) {
    const [token, sessionId] = jobs[next++];
    await follow(token, sessionId);
  }
}
try {
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
} catch (err) {
  console.log(`failed ${err}`);
  process.exit(1);
}
console.log(`ready ${jobs.length}`);

process.stdin.resume();
process.stdin.on("end", () => {
  writeFileSync(args.out, JSON.stringify(receipts));
  console.log(`done ${receipts.length} failed ${failed}`);
  for (const ws of sockets) ws.terminate();
  process.exit(0);
});
