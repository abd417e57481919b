/** A short id naming a run's users, rooms and clientMsgIds, unless SB_RUN_ID gives one. Pure: k6 and Node. */
export function newRunId(): string {
  return `lt${Date.now().toString(36)}${Math.floor(Math.random() * 1296)
    .toString(36)
    .padStart(2, '0')}`;
}
