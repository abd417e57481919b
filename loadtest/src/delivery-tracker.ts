/**
 * One receiver's account of what it got from each publisher in its room: duplicates, order
 * and, once the publisher's tally is known, exactly which acknowledged messages never came.
 * Memory stays bounded on long runs: only sequence numbers above the contiguous prefix are
 * kept individually.
 */
import type { Tally } from './fanout-message.ts';

export type Receipt = 'new' | 'duplicate';

type PublisherState = {
  /** Every seq <= contiguous has been received. */
  contiguous: number;
  above: Set<number>;
  highest: number;
  outOfOrder: number;
};

export class DeliveryTracker {
  private readonly publishers = new Map<number, PublisherState>();

  /** Records one delivery; a second delivery of the same (publisher, seq) is a duplicate. */
  record(publisher: number, seq: number): Receipt {
    const state = this.state(publisher);
    if (seq <= state.contiguous || state.above.has(seq)) return 'duplicate';
    if (seq < state.highest) state.outOfOrder++;
    if (seq > state.highest) state.highest = seq;
    if (seq === state.contiguous + 1) {
      state.contiguous = seq;
      while (state.above.delete(state.contiguous + 1)) state.contiguous++;
    } else {
      state.above.add(seq);
    }
    return 'new';
  }

  has(publisher: number, seq: number): boolean {
    const state = this.publishers.get(publisher);
    return state !== undefined && (seq <= state.contiguous || state.above.has(seq));
  }

  /** Deliveries that arrived after a higher sequence number from the same publisher. */
  outOfOrder(publisher: number): number {
    return this.publishers.get(publisher)?.outOfOrder ?? 0;
  }

  /** Sequence numbers below the highest one received that are still missing (open gaps). */
  openGaps(publisher: number): number {
    const state = this.publishers.get(publisher);
    if (!state) return 0;
    return state.highest - state.contiguous - state.above.size;
  }

  /** Acknowledged messages of the tally (from `fromSeq` on, for a late joiner) never delivered here. */
  lost(publisher: number, tally: Tally, fromSeq = 0): number {
    const unacked = (seq: number) => tally.unacked.some(([from, to]) => seq >= from && seq <= to);
    let lost = 0;
    for (let seq = fromSeq; seq < tally.sent; seq++) {
      if (!this.has(publisher, seq) && !unacked(seq)) lost++;
    }
    return lost;
  }

  private state(publisher: number): PublisherState {
    let state = this.publishers.get(publisher);
    if (!state) {
      state = { contiguous: -1, above: new Set(), highest: -1, outOfOrder: 0 };
      this.publishers.set(publisher, state);
    }
    return state;
  }
}
