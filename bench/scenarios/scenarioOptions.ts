/** What `npm run bench` passes to every scenario. */
export interface ScenarioOptions {
  /** Write a CPU profile of each bot process here (`npm run bench -- --cpu-prof`). */
  cpuProfileDir?: string;
  /** Extra Node.js flags for every bot process (`npm run bench -- --bot-node-args="--max-semi-space-size=4"`). */
  botNodeArgs?: readonly string[];
}
