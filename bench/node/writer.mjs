// The live benchmark's writer: logs sets over HTTP on a schedule, from Node so that the load
// generator costs little CPU next to the server it measures. Each round logs one set in
// every workout, spread evenly over --interval seconds. Prints one JSON object:
// {"sent": {setId: sentAtSeconds}, "roundTrips": [ms, ...], "errors": n}.
import { readFileSync } from "node:fs";
import http from "node:http";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    plan: { type: "string" },
    exercise: { type: "string" },
    rounds: { type: "string" },
    interval: { type: "string" },
  },
});
const LOG = "mutation($i: LogSetInput!) { logSet(input: $i) { setLog { id } } }";
const targets = JSON.parse(readFileSync(args.plan, "utf8")); // [[token, sessionId, subscribers], ...]
const rounds = Number(args.rounds);
const interval = Number(args.interval) * 1000;
const url = new URL("/graphql", args.url);
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
const now = () => (performance.timeOrigin + performance.now()) / 1000;

const sent = {};
const roundTrips = [];
let errors = 0;

function logSet(token, sessionId) {
  const body = JSON.stringify({ query: LOG, variables: { i: { sessionId, exerciseId: args.exercise, reps: 5, weight: 100 } } });
  const t0 = now();
  return new Promise((resolve) => {
    const req = http.request(url, {
      method: "POST", agent,
      headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${token}` },
    }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const reply = JSON.parse(Buffer.concat(chunks).toString());
        if (reply.errors) errors += 1;
        else sent[reply.data.logSet.setLog.id] = t0;
        roundTrips.push((now() - t0) * 1000);
        resolve();
      });
    });
    req.on("error", () => { errors += 1; resolve(); });
    req.end(body);
  });
}

const spacing = interval / targets.length;
const start = performance.now();
const pending = [];
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < targets.length; i++) {
    const at = r * interval + i * spacing;
    const [token, sessionId] = targets[i];
    pending.push(new Promise((resolve) => setTimeout(() => logSet(token, sessionId).then(resolve), Math.max(0, at - (performance.now() - start)))));
  }
}
await Promise.all(pending);
agent.destroy();
process.stdout.write(JSON.stringify({ sent, roundTrips, errors }));
