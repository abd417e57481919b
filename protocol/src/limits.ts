/** Hard protocol limits. Deployments may configure lower ones, never higher. */
export const Limits = {
  roomNameMaxLength: 128,
  userIdMaxLength: 128,
  clientMsgIdMaxLength: 64,
  /** UTF-8 bytes of a message body. */
  bodyMaxBytes: 16 * 1024,
  historyPageMax: 200,
  historyPageDefault: 50,
} as const;

export const ROOM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
export const CLIENT_MSG_ID_PATTERN = /^[A-Za-z0-9_-]+$/;

// Marked pure so bundles that never call utf8Length drop it: k6 (load tests) has no TextEncoder.
const encoder = /* @__PURE__ */ new TextEncoder();

export function utf8Length(text: string): number {
  return encoder.encode(text).length;
}
