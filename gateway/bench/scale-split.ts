import { ratio } from './bench-stats.ts';

/**
 * The arithmetic of `make bench-scale`: a gateway's CPU split into its idle baseline, the rooms
 * it has members in ("own rooms") and the rooms only other pods have members in ("other pods'
 * rooms"), and the verdict on issue 14's target. Pure, so it is tested without a stack.
 *
 * Two loads per gateway count N and rate R (msg/s, all gateways together):
 * - spread: R over the rooms of all N gateways, R/N each; every gateway has own and other rooms.
 * - one idle (N >= 2): R over the rooms of all gateways but one; that one has members only in
 *   rooms that get nothing, so all it does above its baseline is for other pods' rooms.
 * The idle gateway gives the cost of one message elsewhere; in the spread load each gateway
 * sees R(N-1)/N such messages, and what is left above its baseline is its own rooms' cost.
 * Beside its CPU, the bytes the idle gateway read (sockets included) show whether other pods'
 * messages reach it at all, a figure that GC and timers do not blur.
 */

/** Per process: CPU in µs and bytes read (`rchar`), over a stretch or per second. */
export type Usage = { cpu: ReadonlyMap<string, number>; read: ReadonlyMap<string, number> };

/** What each process used over one measured stretch of wall time, and what was accepted in it. */
export type Stretch = Usage & { seconds: number; accepted: number };

export type SplitInput = {
  /** The gateways' process names. */
  gateways: readonly string[];
  /** The one without load in the one-idle stretch. */
  idleGateway: string;
  redis: string;
  /** Per second, each process with the clients connected and nothing sent. */
  baseline: Usage;
  /** Offered rate, msg/s, all gateways together. */
  rate: number;
  spread: Stretch;
  /** Absent with one gateway (there is no other pod). */
  oneIdle?: Stretch;
};

/** One gateway count at one rate. Cores are per gateway, averaged over the gateways. */
export type ScalePoint = {
  gateways: number;
  rate: number;
  /** Accepted msg/s of the spread load (what the figures below are per). */
  acceptedRate: number;
  baselineCores: number;
  ownRoomsCores: number;
  /** 0 with one gateway: there are no other pods' rooms. */
  otherRoomsCores: number;
  /** µs of a gateway per accepted message of a room it has members in. */
  ownPerMessage: number;
  /** µs of a gateway per accepted message of a room it has no members in; NaN with one gateway. */
  otherPerMessage: number;
  /** The idle gateway of the one-idle load: all its CPU, its baseline, and the part above it. */
  idleGatewayCores: number;
  idleGatewayBaselineCores: number;
  idleGatewayAboveBaselineCores: number;
  /** Bytes the idle gateway read per message elsewhere, above its baseline. */
  idleGatewayReadPerMessage: number;
  /** Accepted msg/s of the one-idle load (the rate "elsewhere" the idle gateway saw). */
  idleLoadAcceptedRate: number;
  /** All gateways together, µs per accepted message, above their baselines. */
  gatewaysPerMessage: number;
  /** Redis, µs per accepted message above its baseline, and its cores in all. */
  redisPerMessage: number;
  redisCores: number;
};

const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const perSecond = (stretch: Stretch, name: string) =>
  ratio(stretch.cpu.get(name) ?? Number.NaN, stretch.seconds);
const acceptedRate = (stretch: Stretch) => ratio(stretch.accepted, stretch.seconds);

export function splitGatewayCpu(input: SplitInput): ScalePoint {
  const n = input.gateways.length;
  const base = (name: string) => input.baseline.cpu.get(name) ?? Number.NaN;
  const above = (stretch: Stretch, name: string) => perSecond(stretch, name) - base(name);

  const idle = input.idleGateway;
  const idleRate = input.oneIdle ? acceptedRate(input.oneIdle) : Number.NaN;
  const idleAbove = input.oneIdle ? above(input.oneIdle, idle) : Number.NaN;
  const otherPerMessage = n > 1 ? ratio(idleAbove, idleRate) : Number.NaN;
  const idleRead = input.oneIdle
    ? ratio(input.oneIdle.read.get(idle) ?? Number.NaN, input.oneIdle.seconds) -
      (input.baseline.read.get(idle) ?? Number.NaN)
    : Number.NaN;

  const rate = acceptedRate(input.spread);
  const elsewhere = (rate * (n - 1)) / n;
  const split = input.gateways.map((name) => {
    const total = above(input.spread, name);
    const other = n > 1 ? otherPerMessage * elsewhere : 0;
    return { baseline: base(name), own: total - other, other, total };
  });
  const ownRooms = mean(split.map((g) => g.own));
  return {
    gateways: n,
    rate: input.rate,
    acceptedRate: rate,
    baselineCores: mean(split.map((g) => g.baseline)) / 1e6,
    ownRoomsCores: ownRooms / 1e6,
    otherRoomsCores: mean(split.map((g) => g.other)) / 1e6,
    ownPerMessage: ratio(ownRooms, rate / n),
    otherPerMessage,
    idleGatewayCores: input.oneIdle ? perSecond(input.oneIdle, idle) / 1e6 : Number.NaN,
    idleGatewayBaselineCores: input.oneIdle ? base(idle) / 1e6 : Number.NaN,
    idleGatewayAboveBaselineCores: idleAbove / 1e6,
    idleGatewayReadPerMessage: ratio(idleRead, idleRate),
    idleLoadAcceptedRate: idleRate,
    gatewaysPerMessage: ratio(
      split.reduce((sum, g) => sum + g.total, 0),
      rate,
    ),
    redisPerMessage: ratio(above(input.spread, input.redis), rate),
    redisCores: perSecond(input.spread, input.redis) / 1e6,
  };
}

/** Issue 14's target: an idle gateway at `rate` msg/s elsewhere uses less than `limitCores`. */
export type IdleGatewayVerdict = {
  rate: number;
  limitCores: number;
  /** What other pods' rooms cost the idle gateway (above its baseline), and its baseline. */
  cores: number;
  baselineCores: number;
  /** Bytes it read per message elsewhere. */
  readPerMessage: number;
  /** Measured at the target rate, or projected from the point it was measured at. */
  projected: boolean;
  from: { gateways: number; acceptedRate: number };
  pass: boolean;
};

/**
 * From the points of the highest offered rate that had an idle gateway (2 gateways or more),
 * the worst: measured when the rate elsewhere reached 95% of the target, else projected
 * linearly from the point's cost per message. Linear is an upper bound where reads batch (a pod
 * reads more messages per call as the rate grows). Undefined when no point had an idle gateway.
 */
export function idleGatewayVerdict(
  points: readonly ScalePoint[],
  rate: number,
  limitCores: number,
): IdleGatewayVerdict | undefined {
  const candidates = points.filter((p) => p.gateways > 1 && Number.isFinite(p.otherPerMessage));
  if (candidates.length === 0) return undefined;
  const top = Math.max(...candidates.map((p) => p.rate));
  const judged = candidates
    .filter((p) => p.rate === top)
    .map((p) => {
      const projected = p.idleLoadAcceptedRate < 0.95 * rate;
      return {
        p,
        projected,
        cores: projected ? (p.otherPerMessage * rate) / 1e6 : p.idleGatewayAboveBaselineCores,
      };
    });
  const { p: best, projected, cores } = judged.reduce((a, b) => (b.cores > a.cores ? b : a));
  return {
    rate,
    limitCores,
    cores,
    baselineCores: best.idleGatewayBaselineCores,
    readPerMessage: best.idleGatewayReadPerMessage,
    projected,
    from: { gateways: best.gateways, acceptedRate: best.idleLoadAcceptedRate },
    pass: cores < limitCores,
  };
}
