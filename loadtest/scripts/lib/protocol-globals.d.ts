// protocol/src/limits.ts creates a TextEncoder in a /* @__PURE__ */ initialiser that the bundle
// drops (k6 has no TextEncoder and these scripts never call utf8Length); declared here only so
// the protocol sources type-check under k6's globals.
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
