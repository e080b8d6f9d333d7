/**
 * Loaded (`--import`) into the signaling server's process by `glow signaling`: when the `glow`
 * process that started it goes away, even by SIGKILL, the IPC channel between them closes, and the
 * server stops as it does on SIGTERM instead of running on as an orphan. The channel is unref'd:
 * it must not keep alive a process that has nothing else to do (`--help`).
 */
process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
process.channel?.unref();
