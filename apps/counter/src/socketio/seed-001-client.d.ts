// seed-001-client.js is seed 001's client script, run for its effects (it exports nothing).
export {};
