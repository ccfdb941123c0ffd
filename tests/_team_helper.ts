// A worker that joins a network's team as its helper thread (tests/team_test.ts) and reports
// why it left.
/// <reference lib="deno.worker" />
import { serveTeam, type TeamShare } from "../src/model/mod.ts";

self.onmessage = (e: MessageEvent<TeamShare>) => {
  self.postMessage(serveTeam(e.data));
};
