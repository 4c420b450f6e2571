// The mesh's decisions, pure: no DOM, no WebRTC, no timers, no Math.random (a Random is passed in). manager.ts runs
// them in the browser and the swarm simulator (bench/swarm-sim) runs the very same code under Node, so that what the
// simulator measures is what the player does (issue 16).
//
// The rules, in short (README, "Peer-to-peer"):
// - Connections: at most maxPeers (P2P:MaxPeers) per player, over every swarm, of which it dials all but
//   RESERVED_FOR_INCOMING itself; at most MAX_DIALING offers in flight, so a joiner opens them a few at a time. The
//   hub lists peers with free slots first; a peer tried recently is not tried again before RETRY_PEER_AFTER_MS; when
//   the list runs out and slots are free, the player joins again (every MORE_PEERS_EVERY_MS, backing off to
//   MORE_PEERS_MAX_MS while nobody new turns up) for a fresh list. Two peers offering to each other at once: the
//   smaller peer id's offer stands (keepOwnOffer).
// - A full peer answers an offer with "full" at once, unless a link of its own is idle (optimistic unchoke, below).
// - Uploads: at most UPLOAD_SLOTS segment sent at once (none while our own playback is short of buffer), the requests
//   queued per requesting peer and served round-robin; beyond MAX_QUEUED_PER_PEER / MAX_QUEUED a request is answered
//   "busy" at once so that the requester asks someone else (or HTTP) instead of waiting on us; the queue also holds
//   no more than we send in QUEUE_SECONDS at our measured rate (queueCapacity). One at a time finishes
//   each segment sooner than several sharing the uplink, and a short queue keeps the wait below a request's time-out
//   (the simulator's sweep, BENCHMARKS.md).
// - Downloads: a fragment goes to the holder with the fewest requests waiting, then the fastest so far (choosePeer),
//   at most PEER_ATTEMPTS in turn; with nobody able to give it now, it waits within the spare buffer
//   (announceWaitMs); whenever the buffer is short (isUrgent), HTTP.

export type Random = () => number

export const DEFAULT_MAX_PEERS = 10
/**
 * A player stops dialling with this many slots still free: they are kept for newcomers' offers, so that a joiner
 * finds room without waiting for a rotation.
 */
export const RESERVED_FOR_INCOMING = 2
/** Offers in flight at once: connections open a few at a time, not all at once. */
export const MAX_DIALING = 3
/**
 * While playing with less than this buffered ahead, a fragment is urgent: HTTP at once. This is the threshold until
 * an HTTP fetch has been timed; after that it is urgentSeconds(measured), between MIN_URGENT_BUFFER_SECONDS and this.
 */
export const URGENT_BUFFER_SECONDS = 3
/**
 * The lowest urgency threshold, when HTTP is fast: what is buffered beyond it is spare time for peers. With 3 s a
 * viewer that has just started (one 4 s fragment) had no spare at all for its second fragment, and sent it to HTTP
 * (the simulator's "nobody-has-it" at the start, BENCHMARKS.md).
 */
export const MIN_URGENT_BUFFER_SECONDS = 1.5
/** A link over which no segment passed (either way) for this long, and older than this, may be rotated out. */
export const ROTATE_IDLE_MS = 20_000
/** At most one rotation per this long, so that a crowd of joiners does not churn every link at once. */
export const ROTATE_COOLDOWN_MS = 5_000
/** A peer that failed, was full or was rotated out is not dialled again before this. */
export const RETRY_PEER_AFTER_MS = 30_000
/**
 * Re-Join for more peers at most this often (per swarm), while slots are free and the last list is used up; doubled
 * (up to MORE_PEERS_MAX_MS) each time a Join brings nobody new, so a lone viewer does not keep asking.
 */
export const MORE_PEERS_EVERY_MS = 5_000
export const MORE_PEERS_MAX_MS = 60_000
/** Segments sent at once by one uploader; none while its own playback is urgent (uploadSlots). */
export const UPLOAD_SLOTS = 1
export const MAX_QUEUED_PER_PEER = 2
export const MAX_QUEUED = 3
/**
 * Peers one fragment is asked of (one after the other: busy, gone, nothing) before it goes to HTTP. Five, not three:
 * a live segment spreads while we ask, and the next holder asked is often a new one (simulator, seed 1-3: live +0.03
 * to +0.08 of the ideal at N = 100 and 1,000, VOD within 0.01).
 */
export const PEER_ATTEMPTS = 5
/** An uploader takes no more waiting requests than it can send in this long, at its measured upload rate. */
export const QUEUE_SECONDS = 2
/** A peer that answered "busy" is not asked again for this long. */
export const BUSY_BACKOFF_MS = 1_500
/** The longest a fragment that no peer has yet waits for one to announce it before going to HTTP. */
export const ANNOUNCE_WAIT_MAX_SECONDS = 8

/** What the policy needs to know of one link (a connection being made or open). */
export interface LinkView {
  id: string
  /** When the link was made (ms); lastUseful starts there. */
  openedAt: number
  /** The last time a whole segment passed over it, either way (ms). */
  lastUseful: number
  /** The data channel is open and the peer said what it has. */
  ready: boolean
}

/**
 * Slot rotation, BitTorrent's optimistic unchoke turned around: when every slot is taken and a newcomer (who needs
 * segments, having none) offers, the ready link idle the longest, over which nothing passed either way for
 * ROTATE_IDLE_MS, is closed to make room (at most once per ROTATE_COOLDOWN_MS). A busy link is never dropped: a
 * peer that keeps giving or taking keeps its slot.
 */
export function rotationVictim (links: readonly LinkView[], now: number, lastRotation: number): string | null {
  if (now - lastRotation < ROTATE_COOLDOWN_MS) return null
  let victim: LinkView | null = null
  for (const link of links) {
    if (!link.ready || now - link.openedAt < ROTATE_IDLE_MS || now - link.lastUseful < ROTATE_IDLE_MS) continue
    if (victim === null || link.lastUseful < victim.lastUseful) victim = link
  }
  return victim?.id ?? null
}

export type OfferDecision = { accept: true, drop: string | null } | { accept: false }

/** An offer from a peer we have no link with: take it, take it by rotating an idle link out, or answer "full". */
export function decideOffer (links: readonly LinkView[], maxPeers: number, now: number, lastRotation: number): OfferDecision {
  if (links.length < maxPeers) return { accept: true, drop: null }
  const drop = rotationVictim(links, now, lastRotation)
  return drop === null ? { accept: false } : { accept: true, drop }
}

/** Links a player makes by itself (dialling); the rest of maxPeers is for incoming offers. */
export function dialTarget (maxPeers: number): number {
  return Math.max(1, maxPeers - RESERVED_FOR_INCOMING)
}

/** An uploader's upload slots now: none while its own playback is short of buffer, so that serving never stalls it. */
export function uploadSlots (urgent: boolean): number {
  return urgent ? 0 : UPLOAD_SLOTS
}

/** Free slots to report to the hub (ReportSlots). */
export function freeSlots (links: number, maxPeers: number): number {
  return Math.max(0, Math.min(maxPeers, maxPeers - links))
}

/**
 * Which peers to offer to now, in the hub's order (peers with room first): as many as free slots and MAX_DIALING
 * allow, skipping those linked already and those tried within RETRY_PEER_AFTER_MS.
 */
export function planDials (
  candidates: readonly string[],
  linked: (id: string) => boolean,
  triedAt: ReadonlyMap<string, number>,
  links: number,
  dialing: number,
  maxPeers: number,
  now: number
): string[] {
  const quota = Math.min(dialTarget(maxPeers) - links, MAX_DIALING - dialing)
  const chosen: string[] = []
  for (const id of candidates) {
    if (chosen.length >= quota) break
    if (linked(id)) continue
    const tried = triedAt.get(id)
    if (tried !== undefined && now - tried < RETRY_PEER_AFTER_MS) continue
    chosen.push(id)
  }
  return chosen
}

/** Whether to ask the hub for more peers now (a re-Join). */
export function wantMorePeers (links: number, maxPeers: number, untried: number, lastAsked: number, interval: number, now: number): boolean {
  return links < dialTarget(maxPeers) && untried === 0 && now - lastAsked >= interval
}

/** The next re-Join interval: back to MORE_PEERS_EVERY_MS when the last Join brought someone new, else doubled. */
export function nextMorePeersInterval (interval: number, broughtNew: boolean): number {
  return broughtNew ? MORE_PEERS_EVERY_MS : Math.min(MORE_PEERS_MAX_MS, interval * 2)
}

/**
 * Two peers that offer to each other at once ("glare"): the one with the smaller peer id keeps its offer and ignores
 * the other's; the other drops its own and answers. Both decide alike, without a round trip.
 */
export function keepOwnOffer (ownPeerId: string, theirPeerId: string): boolean {
  return ownPeerId < theirPeerId
}

export interface HolderView {
  /** Requests waiting on this peer. */
  pending: number
  /** Not to be asked before (ms): it answered "busy". */
  busyUntil: number
  /** Bytes per ms of its last segments to us, request to last byte (queueing included); null until one came. */
  speed: number | null
}

/**
 * Of the peers that have a segment and are not busy, one with the fewest requests waiting; among those the fastest
 * so far, a peer never measured counting as fastest (so that each gets tried); ties at random.
 */
export function choosePeer<T extends HolderView> (holders: readonly T[], now: number, random: Random): T | null {
  let best: T[] = []
  const speed = (h: T): number => h.speed ?? Infinity
  for (const h of holders) {
    if (h.busyUntil > now) continue
    const first = best[0]
    if (first === undefined || h.pending < first.pending || (h.pending === first.pending && speed(h) > speed(first))) best = [h]
    else if (h.pending === first.pending && speed(h) === speed(first)) best.push(h)
  }
  return best.length === 0 ? null : best[Math.floor(random() * best.length)]
}

/** A speed estimate updated with one more transfer (an exponentially weighted mean). */
export function nextSpeed (previous: number | null, bytes: number, ms: number): number {
  const sample = bytes / Math.max(1, ms)
  return previous === null ? sample : previous * 0.7 + sample * 0.3
}

/** Requests an uploader lets wait: what it sends in QUEUE_SECONDS at its measured rate (bytes/ms), at most MAX_QUEUED. */
export function queueCapacity (uploadSpeed: number | null, segmentBytes: number | null): number {
  if (uploadSpeed === null || segmentBytes === null || segmentBytes <= 0) return MAX_QUEUED
  return Math.max(0, Math.min(MAX_QUEUED, Math.floor(uploadSpeed * QUEUE_SECONDS * 1000 / segmentBytes)))
}

/**
 * The urgency threshold (s of buffer) given how long our HTTP fragment fetches take (nextHttpSeconds; null before
 * the first): 1 s plus twice an HTTP fetch, within [MIN_URGENT_BUFFER_SECONDS, URGENT_BUFFER_SECONDS]. A peer request
 * gives up (peerTimeoutMs) with urgentAt - 1 s = two HTTP fetches still buffered, so falling back never stalls.
 */
export function urgentSeconds (httpSeconds: number | null): number {
  if (httpSeconds === null) return URGENT_BUFFER_SECONDS
  return Math.max(MIN_URGENT_BUFFER_SECONDS, Math.min(URGENT_BUFFER_SECONDS, 1 + 2 * httpSeconds))
}

/** The HTTP fetch time estimate with one more fetch: up at once to a slower one, down slowly (a cautious estimate). */
export function nextHttpSeconds (previous: number | null, seconds: number): number {
  if (previous === null || seconds >= previous) return seconds
  return previous * 0.8 + seconds * 0.2
}

/** Playing with little buffered ahead (or seeking into the unbuffered): only HTTP is fast enough. */
export function isUrgent (bufferAhead: number, playing: boolean, urgentAt = URGENT_BUFFER_SECONDS): boolean {
  return playing && bufferAhead < urgentAt
}

/** How long the first fragments wait for the swarm to settle (hub joined, first peer ready): never past the spare buffer. */
export function settleWaitMs (bufferAhead: number, playing: boolean, settleMs: number, urgentAt = URGENT_BUFFER_SECONDS): number {
  if (!playing) return settleMs
  return Math.max(0, Math.min(settleMs, (bufferAhead - urgentAt - 0.5) * 1000))
}

/** How long a request to a peer may take before HTTP is asked instead: it leaves urgentAt - 1 s buffered. */
export function peerTimeoutMs (bufferAhead: number, playing: boolean, urgentAt = URGENT_BUFFER_SECONDS): number {
  if (!playing) return 5000
  return Math.max(1000, Math.min(5000, (bufferAhead - urgentAt + 1) * 1000))
}

/**
 * How long (ms) a fragment that no connected peer can give now may wait, in all, before it goes to HTTP; zero with no
 * peers or no spare buffer. When a peer has it but is busy, the whole spare buffer: it will have a slot soon. When
 * nobody has it yet (live: it just appeared, and every viewer wants it at about the same time), two viewers in
 * (peers + 1) on average are "pioneers" that wait only a little (up to a fifth of the spare) and fetch it over HTTP;
 * the others wait most of the spare (half to all of it) for it to spread from the pioneers. Two rather than one: with
 * 1-5 Mbit/s uplinks a segment does not reach ten peers from one pioneer within the spare (simulator, live). A pair
 * of peers has one pioneer, the older (isPioneer).
 */
export function announceWaitMs (
  bufferAhead: number, readyPeers: number, someoneHasIt: boolean, random: Random, urgentAt = URGENT_BUFFER_SECONDS, olderPeers: number | null = null
): number {
  if (readyPeers === 0) return 0
  const spare = Math.min(ANNOUNCE_WAIT_MAX_SECONDS, bufferAhead - urgentAt - 1)
  if (spare <= 0) return 0
  if (someoneHasIt) return spare * 1000
  const pioneer = isPioneer(readyPeers, olderPeers, random)
  return (pioneer ? random() * 0.2 : 0.5 + random() * 0.5) * spare * 1000
}

/**
 * Whether we fetch a segment nobody has yet (announceWaitMs). Two viewers in (peers + 1), at random, per segment; but
 * two peers alone together (a live's first viewers) would both always be pioneers and race each other to HTTP: there
 * the younger (olderPeers = 1: its peer joined the swarm first, by the age in its "have") waits for the older.
 */
export function isPioneer (readyPeers: number, olderPeers: number | null, random: Random): boolean {
  if (readyPeers === 1 && olderPeers !== null) return olderPeers === 0
  return random() < 2 / (readyPeers + 1)
}

/** A media segment as the prefetcher sees it: its id and where it plays. */
export interface SegmentView {
  id: string
  start: number
  duration: number
}

/**
 * The next segment to fetch from a peer ahead of the play head (within aheadSeconds), nearest first: one that we do
 * not hold, nobody is fetching, and some peer has (and is not busy).
 */
export function nextPrefetch<T extends HolderView> (
  segments: readonly SegmentView[],
  playhead: number,
  aheadSeconds: number,
  have: (id: string) => boolean,
  holders: (id: string) => readonly T[],
  now: number,
  random: Random
): { id: string, peer: T } | null {
  for (const s of segments) {
    if (s.start + s.duration <= playhead || s.start > playhead + aheadSeconds) continue
    if (have(s.id)) continue
    const peer = choosePeer(holders(s.id), now, random)
    if (peer) return { id: s.id, peer }
  }
  return null
}

/**
 * An uploader's requests: a FIFO per requesting peer, served round-robin across peers, at most `slots()` at once. So
 * one early viewer shares its upload fairly among everyone asking, and says "busy" rather than letting a queue grow.
 */
export class UploadQueue<P> {
  private readonly queues = new Map<P, string[]>()
  private total = 0
  active = 0

  constructor (private readonly slots: () => number, private readonly capacity: () => number = () => MAX_QUEUED) {}

  /**
   * 'queued' (sent at once when a slot is free), or 'busy' (answer "busy" at once) when our playback is short of
   * buffer, or that peer's queue or the whole queue (queueCapacity) is full.
   */
  offer (from: P, id: string): 'queued' | 'busy' {
    const queue = this.queues.get(from) ?? []
    const slots = this.slots()
    if (slots === 0) return 'busy'
    const startsNow = this.active + this.total < slots
    if (!startsNow && (queue.length >= MAX_QUEUED_PER_PEER || this.total >= Math.min(MAX_QUEUED, this.capacity()))) return 'busy'
    if (queue.includes(id)) return 'queued'
    queue.push(id)
    this.queues.set(from, queue)
    this.total++
    return 'queued'
  }

  cancel (from: P, id: string): void {
    const queue = this.queues.get(from)
    const i = queue?.indexOf(id) ?? -1
    if (queue && i >= 0) {
      queue.splice(i, 1)
      this.total--
      if (queue.length === 0) this.queues.delete(from)
    }
  }

  /** Drops everything a peer asked for (it went away). */
  forget (from: P): void {
    const queue = this.queues.get(from)
    if (queue) {
      this.total -= queue.length
      this.queues.delete(from)
    }
  }

  /** The next request to serve, round-robin over peers, or null (slots taken, or nothing waits); call done() after. */
  take (): { from: P, id: string } | null {
    if (this.active >= this.slots()) return null
    for (const [from, queue] of this.queues) {
      const id = queue.shift()!
      this.total--
      // Map keeps insertion order: the peer just served goes to the back of the line.
      this.queues.delete(from)
      if (queue.length > 0) this.queues.set(from, queue)
      this.active++
      return { from, id }
    }
    return null
  }

  done (): void {
    this.active = Math.max(0, this.active - 1)
  }

  get waiting (): number {
    return this.total
  }
}
