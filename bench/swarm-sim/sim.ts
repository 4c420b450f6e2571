// A deterministic, seeded swarm simulator (issue 16) that runs the player's real mesh decisions: peer choice, dialling,
// "full" and slot rotation, the fair upload queue, the wait for an announcement, the prefetch (src/player/src/p2p/policy.ts,
// the module manager.ts uses). What it models itself, simply: the hub (peers with free slots first, as SwarmHub does),
// WebRTC set-up (round trips, NAT-blocked pairs time out), upload bandwidth shared by the segments being sent, HTTP,
// and an hls.js-like loader (sequential fragments, 4 s of buffer before play, 30 s while playing).
//
// Simplifications: time advances in steps of `dt` (callbacks fire at the first step at or after their time); a peer's
// "have+" reaches its links at once; download bandwidth is shared but not per-link; the server's HTTP is never the
// bottleneck; the segment cache holds the whole video.
import * as policy from '../../src/player/src/p2p/policy'

export interface SimConfig {
  seed: number
  viewers: number
  mode: 'vod' | 'live'
  /** VOD: the video's length; live: how long the stream runs (and the simulation). */
  videoSeconds: number
  segmentSeconds: number
  bitrateBps: number
  arrivals: 'poisson' | 'flash' | 'gap'
  /** Poisson: arrivals spread over this many seconds on average; flash: all within it, uniformly; gap: one every this many seconds. */
  arrivalSeconds: number
  /** Fraction of viewer pairs that cannot connect (both behind NATs that do not traverse). */
  natBlocked: number
  /** Fraction of viewers who leave mid-video. */
  leaveFraction: number
  /** Fraction of VOD viewers who seek once, to a random place. */
  seekFraction: number
  p2p: boolean
  maxPeers: number
  /** Peers per Join (P2P:MaxPeersPerJoin). */
  peersPerJoin: number
  dt: number
  /** Everyone's upload, in bit/s, instead of the mix (most 1-5 Mbit/s); for a loopback comparison. */
  uploadBps?: number
  /** Stop after this many simulated seconds (default: last arrival + video + 10 s). */
  maxSeconds?: number
}

export const defaults: SimConfig = {
  seed: 1,
  viewers: 100,
  mode: 'vod',
  videoSeconds: 60,
  segmentSeconds: 4,
  bitrateBps: 800_000,
  arrivals: 'poisson',
  arrivalSeconds: 30,
  natBlocked: 0.2,
  leaveFraction: 0.1,
  seekFraction: 0.1,
  p2p: true,
  maxPeers: policy.DEFAULT_MAX_PEERS,
  peersPerJoin: 10,
  dt: 0.1
}

export interface SimResult {
  viewers: number
  httpBytes: number
  p2pBytes: number
  /** p2p / (p2p + http). */
  share: number
  /** The most peers could have given: min(1 - distinct segment bytes / all bytes, upload capacity / all bytes). */
  ideal: number
  fractionOfIdeal: number
  /**
   * The ideal when every viewer's first fragment (and its first after a seek) comes over HTTP, as the player does to
   * start at once (isUrgent); the share over it says how much of the rest the mesh got.
   */
  idealAfterStartup: number
  /** Stalls (after start) per viewer-minute watched. */
  stallsPerMinute: number
  /** Time stalled / time watched. */
  rebufferRatio: number
  startupMedianMs: number
  /** Uploaded bytes per viewer. */
  upload: { min: number, median: number, max: number }
  /** Viewers who got at least one segment from a peer, of those who got any. */
  viewersWithPeerBytes: number
  simulatedSeconds: number
  /** Stalls by what the loader was waiting on when they began. */
  stallCauses: Record<string, number>
  /** HTTP fetches by why the loader went there. */
  httpReasons: Record<string, number>
}

/** mulberry32: small, fast, good enough, and the same everywhere. */
export function rng (seed: number): policy.Random {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const CONNECT_TIMEOUT_S = 10
/** The share of a Join's list drawn from peers with free slots first (the hub's rule: all of it). For experiments. */
let HUB_OPEN_SHARE = 1
export function setHubOpenShare (x: number): void { HUB_OPEN_SHARE = x }
const HUB_LATENCY_S = 0.05
const HTTP_RTT_S = 0.05
const HTTP_BPS = 20_000_000
const PREFETCH_AHEAD_SECONDS = 60
const PREFETCH_TIMEOUT_MS = 8000
const SETTLE_S = 4
const PRELOAD_BUFFER_S = 4
const PLAYING_BUFFER_S = 30

interface Link {
  a: Viewer
  b: Viewer
  openedAt: number
  ready: boolean
  closed: boolean
  lastUseful: number
  /** Requests in flight over it, from either side. */
  reqs: Set<Req>
  /** Each side's view of the other: requests waiting, "busy" until, and its measured speed to us. */
  pending: Map<Viewer, number>
  busyUntil: Map<Viewer, number>
  speed: Map<Viewer, number | null>
}

interface Req {
  from: Viewer
  to: Viewer
  link: Link
  seg: number
  at: number
  done: boolean
  cb: (ok: boolean) => void
}

interface Send {
  req: Req
  remaining: number
  started: number
}

interface Wait {
  until: number
  ready: () => boolean
  then: (met: boolean) => void
}

class Viewer {
  readonly links = new Map<Viewer, Link>()
  candidates: Viewer[] = []
  readonly triedAt = new Map<string, number>()
  askedAt = -Infinity
  askEvery = policy.MORE_PEERS_EVERY_MS
  joined = false
  /** When it joined the swarm (s), told to its peers in its 'have' (policy.isPioneer). */
  joinedAt = Infinity
  settled = false
  present = false
  gone = false
  readonly have = new Set<number>()
  readonly inflight = new Map<number, Array<(ok: boolean) => void>>()
  readonly uploads: policy.UploadQueue<Viewer>
  uploadSpeed: number | null = null
  /** Our HTTP fragment fetch time estimate (policy.nextHttpSeconds), null before the first. */
  httpSeconds: number | null = null
  readonly queued = new Map<string, Req>()
  sending: Send[] = []
  waits: Wait[] = []
  lastRotation = -Infinity
  // playback
  playhead = 0
  bufferEnd = 0
  nextLoad = 0
  loading = false
  generation = 0
  started = false
  ended = false
  stalled = false
  /** Seeked into the unbuffered: waiting for data there is the seek's latency, not a stall. */
  seeking = false
  prefetching = false
  // stats
  httpBytes = 0
  p2pBytes = 0
  upBytes = 0
  stallTime = 0
  stalls = 0
  watched = 0
  startupMs = -1
  /** What the loader waits on (for --why: what stalls come from). */
  phase = ''

  constructor (
    readonly id: number,
    readonly arrive: number,
    readonly leaveAt: number,
    readonly seekAt: number,
    readonly seekTo: number,
    readonly up: number,
    readonly down: number,
    readonly latency: number,
    readonly segmentBytes: number
  ) {
    this.uploads = new policy.UploadQueue<Viewer>(() => policy.uploadSlots(this.urgent()), () => policy.queueCapacity(this.uploadSpeed, this.segmentBytes))
  }

  get ahead (): number { return this.bufferEnd - this.playhead }
  waitingForLive = false
  get playing (): boolean { return this.present && !this.ended && !this.waitingForLive }
  get urgentAt (): number { return policy.urgentSeconds(this.httpSeconds) }
  urgent (): boolean { return policy.isUrgent(this.ahead, this.playing || this.seeking, this.urgentAt) }
  readyLinks (): Link[] { return [...this.links.values()].filter(l => l.ready && !l.closed) }
  other (link: Link): Viewer { return link.a === this ? link.b : link.a }
}

/** The hub: members and, among them, those with free slots (reported, or not yet said); Join picks those first. */
class Hub {
  private readonly members: Viewer[] = []
  private readonly open: Viewer[] = []
  private readonly memberAt = new Map<Viewer, number>()
  private readonly openAt = new Map<Viewer, number>()

  constructor (private readonly random: policy.Random) {}

  join (v: Viewer, count: number): Viewer[] {
    if (!this.memberAt.has(v)) {
      add(this.members, this.memberAt, v)
      add(this.open, this.openAt, v)
    }
    const picked = new Set<Viewer>([v])
    const out: Viewer[] = []
    for (const [list, quota] of [[this.open, Math.ceil(count * HUB_OPEN_SHARE)], [this.members, count]] as const) {
      // A partial Fisher–Yates over the list itself: k random members in O(k).
      for (let i = 0; i < list.length && out.length < quota; i++) {
        const j = i + Math.floor(this.random() * (list.length - i))
        swap(list, list === this.open ? this.openAt : this.memberAt, i, j)
        if (!picked.has(list[i])) {
          picked.add(list[i])
          out.push(list[i])
        }
      }
    }
    return out
  }

  slots (v: Viewer, free: number): void {
    if (!this.memberAt.has(v)) return
    if (free > 0 && !this.openAt.has(v)) add(this.open, this.openAt, v)
    if (free === 0 && this.openAt.has(v)) remove(this.open, this.openAt, v)
  }

  leave (v: Viewer): void {
    if (this.memberAt.has(v)) remove(this.members, this.memberAt, v)
    if (this.openAt.has(v)) remove(this.open, this.openAt, v)
  }
}

function add (list: Viewer[], at: Map<Viewer, number>, v: Viewer): void {
  at.set(v, list.length)
  list.push(v)
}

function remove (list: Viewer[], at: Map<Viewer, number>, v: Viewer): void {
  const i = at.get(v)!
  swap(list, at, i, list.length - 1)
  list.pop()
  at.delete(v)
}

function swap (list: Viewer[], at: Map<Viewer, number>, i: number, j: number): void {
  if (i === j) return
  const t = list[i]
  list[i] = list[j]
  list[j] = t
  at.set(list[i], i)
  at.set(list[j], j)
}

/** A binary heap of timed callbacks; ties fire in the order they were scheduled (determinism). */
class Timeline {
  private readonly heap: Array<{ at: number, seq: number, fn: () => void }> = []
  private seq = 0

  at (time: number, fn: () => void): void {
    const h = this.heap
    h.push({ at: time, seq: this.seq++, fn })
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (less(h[p], h[i])) break
      ;[h[p], h[i]] = [h[i], h[p]]
      i = p
    }
  }

  runUntil (time: number): void {
    const h = this.heap
    while (h.length > 0 && h[0].at <= time) {
      const top = h[0]
      const last = h.pop()!
      if (h.length > 0) {
        h[0] = last
        let i = 0
        for (;;) {
          const l = 2 * i + 1
          const r = l + 1
          let m = i
          if (l < h.length && less(h[l], h[m])) m = l
          if (r < h.length && less(h[r], h[m])) m = r
          if (m === i) break
          ;[h[m], h[i]] = [h[i], h[m]]
          i = m
        }
      }
      top.fn()
    }
  }
}

function less (a: { at: number, seq: number }, b: { at: number, seq: number }): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq)
}

export function simulate (options: Partial<SimConfig> = {}): SimResult {
  const cfg: SimConfig = { ...defaults, ...options }
  const random = rng(cfg.seed)
  const S = cfg.segmentSeconds
  const segBytes = Math.round(cfg.bitrateBps * S / 8)
  const live = cfg.mode === 'live'
  const segments = Math.ceil(cfg.videoSeconds / S)
  const ids = Array.from({ length: segments }, (_, k) => String(k))
  const natSalt = Math.floor(random() * 2 ** 31)
  const blocked = (a: Viewer, b: Viewer): boolean => {
    const lo = Math.min(a.id, b.id)
    const hi = Math.max(a.id, b.id)
    return rng(natSalt ^ (lo * 7919 + hi * 104729))() < cfg.natBlocked
  }

  // Viewers: arrival, departure, seek, upload (most 1-5 Mbit/s), download, access latency.
  const viewers: Viewer[] = []
  let t = 0
  for (let i = 0; i < cfg.viewers; i++) {
    const arrive = cfg.arrivals === 'flash'
      ? random() * cfg.arrivalSeconds
      : cfg.arrivals === 'gap' ? i * cfg.arrivalSeconds : (t += -Math.log(1 - random()) * cfg.arrivalSeconds / cfg.viewers)
    const r = random()
    const mixed = r < 0.05 ? 300_000 + random() * 700_000 : r < 0.85 ? 1_000_000 + random() * 4_000_000 : 5_000_000 + random() * 15_000_000
    const up = cfg.uploadBps ?? mixed
    const down = 10_000_000 + random() * 40_000_000
    const watch = live ? cfg.videoSeconds : cfg.videoSeconds + 30
    const leaveAt = random() < cfg.leaveFraction ? arrive + random() * watch * 0.8 : Infinity
    const seekAt = !live && random() < cfg.seekFraction ? arrive + 5 + random() * cfg.videoSeconds * 0.5 : Infinity
    const seekTo = Math.floor(random() * segments)
    viewers.push(new Viewer(i, arrive, leaveAt, seekAt, seekTo, up, down, 0.01 + random() * 0.09, segBytes))
  }
  viewers.sort((a, b) => a.arrive - b.arrive || a.id - b.id)
  const end = cfg.maxSeconds ?? (live ? cfg.videoSeconds : Math.max(...viewers.map(v => v.arrive)) + cfg.videoSeconds + 10)

  const timeline = new Timeline()
  const hub = new Hub(random)
  let now = 0
  const ms = (): number => now * 1000
  const rtt = (a: Viewer, b: Viewer): number => 2 * (a.latency + b.latency)
  /** Live: segment k exists at the origin from (k + 1) * S. */
  const known = (v: Viewer, k: number): boolean => k < segments && (!live || (k + 1) * S + (v.id % 10) * S / 10 <= now)
  const uniqueFetched = new Set<number>()
  const stallCauses = new Map<string, number>()
  const httpReasons = new Map<string, number>()

  // --- links ------------------------------------------------------------------------------

  const linkView = (v: Viewer): policy.LinkView[] =>
    [...v.links.values()].map(l => ({ id: String(v.other(l).id), openedAt: l.openedAt * 1000, lastUseful: l.lastUseful * 1000, ready: l.ready }))

  function closeLink (link: Link): void {
    if (link.closed) return
    link.closed = true
    for (const req of [...link.reqs]) finish(req, false)
    for (const [me, them] of [[link.a, link.b], [link.b, link.a]] as const) {
      if (me.links.get(them) === link) me.links.delete(them)
      me.triedAt.set(String(them.id), ms())
      me.uploads.forget(them)
      for (const key of [...me.queued.keys()]) if (me.queued.get(key)!.from === them) me.queued.delete(key)
      const before = me.sending.length
      me.sending = me.sending.filter(s => s.req.from !== them)
      for (let i = me.sending.length; i < before; i++) me.uploads.done()
      pumpUploads(me)
      if (me.present) dial(me)
    }
  }

  function dial (v: Viewer): void {
    if (!cfg.p2p || !v.present || !v.joined) return
    const links = v.links.size
    const dialing = [...v.links.values()].filter(l => !l.ready).length
    const byId = new Map(v.candidates.map(c => [String(c.id), c]))
    const chosen = policy.planDials(v.candidates.map(c => String(c.id)), id => v.links.has(byId.get(id)!), v.triedAt, links, dialing, cfg.maxPeers, ms())
    for (const id of chosen) {
      const target = byId.get(id)!
      v.candidates = v.candidates.filter(c => c !== target)
      v.triedAt.set(id, ms())
      offer(v, target)
    }
    const untried = policy.planDials(v.candidates.map(c => String(c.id)), id => v.links.has(byId.get(id)!), v.triedAt, 0, 0, cfg.maxPeers, ms()).length
    if (policy.wantMorePeers(v.links.size, cfg.maxPeers, untried, v.askedAt * 1000, v.askEvery, ms())) {
      v.askedAt = now
      timeline.at(now + 2 * HUB_LATENCY_S, () => {
        if (!v.present) return
        v.candidates = hub.join(v, cfg.peersPerJoin)
        const fresh = v.candidates.some(c => !v.links.has(c) && !(now * 1000 - (v.triedAt.get(String(c.id)) ?? -Infinity) < policy.RETRY_PEER_AFTER_MS))
        v.askEvery = policy.nextMorePeersInterval(v.askEvery, fresh)
        dial(v)
      })
    }
  }

  function offer (from: Viewer, to: Viewer): void {
    const link: Link = {
      a: from, b: to, openedAt: now, ready: false, closed: false, lastUseful: now, reqs: new Set(),
      pending: new Map([[from, 0], [to, 0]]), busyUntil: new Map([[from, 0], [to, 0]]), speed: new Map([[from, null], [to, null]])
    }
    from.links.set(to, link)
    timeline.at(now + CONNECT_TIMEOUT_S, () => { if (!link.ready) closeLink(link) })
    timeline.at(now + HUB_LATENCY_S + from.latency + to.latency, () => {
      if (link.closed || !to.present) return
      const own = to.links.get(from)
      if (own && !own.ready) {
        // Both dialled at once (policy.keepOwnOffer): the smaller id's offer stands.
        if (policy.keepOwnOffer(String(to.id), String(from.id))) return closeLink(link)
        closeLink(own)
      } else if (own) {
        return closeLink(link)
      }
      const decision = policy.decideOffer(linkView(to), cfg.maxPeers, ms(), to.lastRotation * 1000)
      if (!decision.accept) {
        timeline.at(now + HUB_LATENCY_S + from.latency + to.latency, () => closeLink(link))
        return
      }
      if (decision.drop !== null) {
        to.lastRotation = now
        const victim = [...to.links.values()].find(l => String(to.other(l).id) === decision.drop)
        if (victim) closeLink(victim)
      }
      link.openedAt = now
      link.lastUseful = now
      to.links.set(from, link)
      if (blocked(from, to)) return // ICE never succeeds: the connect time-out closes it
      timeline.at(now + 2 * rtt(from, to) + 0.2, () => {
        if (link.closed) return
        link.ready = true
        from.settled = true
        dial(from)
        prefetch(from)
        prefetch(to)
      })
    })
  }

  // --- requests and uploads -----------------------------------------------------------------

  function finish (req: Req, ok: boolean): void {
    if (req.done) return
    req.done = true
    req.link.reqs.delete(req)
    req.link.pending.set(req.from, (req.link.pending.get(req.from) ?? 1) - 1)
    req.cb(ok)
  }

  function request (from: Viewer, link: Link, seg: number, timeoutMs: number, cb: (ok: boolean) => void): void {
    const to = from.other(link)
    const req: Req = { from, to, link, seg, at: now, done: false, cb }
    link.reqs.add(req)
    link.pending.set(from, (link.pending.get(from) ?? 0) + 1)
    timeline.at(now + timeoutMs / 1000, () => {
      if (req.done) return
      to.uploads.cancel(from, ids[seg])
      to.queued.delete(`${from.id}:${seg}`)
      finish(req, false)
    })
    timeline.at(now + rtt(from, to) / 2, () => {
      if (req.done) return
      if (to.uploads.offer(from, ids[seg]) === 'busy') {
        timeline.at(now + rtt(from, to) / 2, () => {
          link.busyUntil.set(from, ms() + policy.BUSY_BACKOFF_MS)
          finish(req, false)
        })
        return
      }
      to.queued.set(`${from.id}:${seg}`, req)
      pumpUploads(to)
    })
  }

  function pumpUploads (v: Viewer): void {
    for (let next = v.uploads.take(); next !== null; next = v.uploads.take()) {
      const key = `${next.from.id}:${next.id}`
      const req = v.queued.get(key)
      v.queued.delete(key)
      if (!req || req.done) {
        v.uploads.done()
        continue
      }
      if (!v.have.has(req.seg)) {
        v.uploads.done()
        timeline.at(now + rtt(v, req.from) / 2, () => finish(req, false))
        continue
      }
      v.sending.push({ req, remaining: segBytes, started: now })
    }
  }

  // --- the player's fetch (manager.fetch) and prefetch ----------------------------------------

  function holders (v: Viewer, seg: number): Array<policy.HolderView & { link: Link }> {
    return v.readyLinks().filter(l => v.other(l).have.has(seg))
      .map(l => ({ link: l, pending: l.pending.get(v) ?? 0, busyUntil: l.busyUntil.get(v) ?? 0, speed: l.speed.get(v) ?? null }))
  }

  function store (v: Viewer, seg: number): void {
    v.have.add(seg)
    for (const l of v.readyLinks()) prefetchSoon(v.other(l))
  }

  function download (v: Viewer, link: Link, seg: number, timeoutMs: number, cb: (ok: boolean) => void): void {
    // Already on its way (the prefetcher): wait for it, but no longer than this request may take (as manager.download).
    if (v.inflight.has(seg)) return waitFor(v, timeoutMs / 1000, () => !v.inflight.has(seg), () => cb(v.have.has(seg)))
    v.inflight.set(seg, [cb])
    request(v, link, seg, timeoutMs, ok => {
      const cbs = v.inflight.get(seg) ?? []
      v.inflight.delete(seg)
      if (ok) {
        v.p2pBytes += segBytes
        store(v, seg)
      }
      for (const c of cbs) c(ok)
      prefetchSoon(v)
    })
  }

  function http (v: Viewer, seg: number, cb: () => void): void {
    const seconds = HTTP_RTT_S + segBytes * 8 / Math.min(v.down, HTTP_BPS)
    timeline.at(now + seconds, () => {
      v.httpSeconds = policy.nextHttpSeconds(v.httpSeconds, seconds)
      v.httpBytes += segBytes
      uniqueFetched.add(seg)
      store(v, seg)
      cb()
    })
  }

  function waitFor (v: Viewer, seconds: number, ready: () => boolean, then: (met: boolean) => void): void {
    if (ready()) return then(true)
    v.waits.push({ until: now + seconds, ready, then })
  }

  function fetch (v: Viewer, seg: number, cb: () => void): void {
    const viaHttp = (): void => {
      httpReasons.set(v.phase, (httpReasons.get(v.phase) ?? 0) + 1)
      if (process.env.SIM_DEBUG === 'http') console.log(`http: viewer ${v.id} +${(now - v.arrive).toFixed(1)} s seg ${seg} ${v.phase} ahead ${v.ahead.toFixed(1)} links ${v.readyLinks().length}/${v.links.size} holders ${holders(v, seg).length}`)
      v.phase = 'http'
      http(v, seg, cb)
    }
    if (v.have.has(seg)) return cb()
    v.phase = 'urgent'
    if (!cfg.p2p || v.urgent()) return viaHttp()
    v.phase = 'settle'
    waitFor(v, Math.min(Math.max(0, v.arrive + SETTLE_S - now), policy.settleWaitMs(v.ahead, v.playing, SETTLE_S * 1000, v.urgentAt) / 1000), () => v.settled, () => {
      const afterInflight = (): void => {
        v.phase = 'urgent-late'
        if (v.urgent()) return viaHttp()
        if (v.have.has(seg)) return cb()
        // As manager.fetch: a peer with a free slot, else wait within the spare buffer for one, at most PEER_ATTEMPTS.
        let attempts = 0
        let waitUntil: number | null = null
        const attempt = (): void => {
          if (v.have.has(seg)) return cb()
          if (v.urgent()) return viaHttp()
          const h = policy.choosePeer(holders(v, seg), ms(), random)
          if (h) {
            if (attempts++ >= policy.PEER_ATTEMPTS) return viaHttp()
            v.phase = 'peer'
            return download(v, h.link, seg, policy.peerTimeoutMs(v.ahead, v.playing, v.urgentAt), ok => {
              if (ok || v.have.has(seg)) return cb()
              v.phase = 'peer-failed'
              attempt()
            })
          }
          const someone = holders(v, seg).length > 0
          if (waitUntil === null) {
            const ready = v.readyLinks()
            const older = ready.filter(l => v.other(l).joinedAt < v.joinedAt).length
            waitUntil = now + policy.announceWaitMs(v.ahead, ready.length, someone, random, v.urgentAt, older) / 1000
            if (v.phase !== 'peer-failed') v.phase = someone ? 'holders-busy' : 'nobody-has-it'
          }
          if (now >= waitUntil) return viaHttp()
          waitFor(v, waitUntil - now, () => v.have.has(seg) || policy.choosePeer(holders(v, seg), ms(), random) !== null, attempt)
        }
        attempt()
      }
      if (!v.inflight.has(seg)) return afterInflight()
      // Someone (the prefetcher) is fetching it: wait for that, but no longer than a peer request may take.
      v.phase = 'inflight'
      waitFor(v, policy.peerTimeoutMs(v.ahead, v.playing, v.urgentAt) / 1000, () => !v.inflight.has(seg), () => {
        if (v.have.has(seg)) return cb()
        afterInflight()
      })
    })
  }

  const prefetchQueued = new Set<Viewer>()
  function prefetchSoon (v: Viewer): void {
    if (prefetchQueued.has(v)) return
    prefetchQueued.add(v)
    timeline.at(now, () => { prefetchQueued.delete(v); prefetch(v) })
  }

  function prefetch (v: Viewer): void {
    if (!cfg.p2p || v.prefetching || !v.present || v.urgent()) return
    const views: policy.SegmentView[] = []
    for (let k = Math.floor(v.playhead / S); k < segments && known(v, k); k++) views.push({ id: ids[k], start: k * S, duration: S })
    const next = policy.nextPrefetch(views, v.playhead, PREFETCH_AHEAD_SECONDS, id => v.have.has(+id) || v.inflight.has(+id),
      id => holders(v, +id), ms(), random)
    if (!next) return
    v.prefetching = true
    download(v, next.peer.link, +next.id, PREFETCH_TIMEOUT_MS, () => {
      v.prefetching = false
      prefetchSoon(v)
    })
  }

  // --- arrivals, departures, seeks -----------------------------------------------------------

  for (const v of viewers) {
    timeline.at(v.arrive, () => {
      v.present = true
      if (live) {
        // hls.js starts 3 segments behind the live edge (liveSyncDurationCount); before the stream has 3, the page waits.
        v.waitingForLive = now < 3 * S
        const startLive = (): void => {
          v.waitingForLive = false
          const edge = Math.floor(now / S) - 1
          v.nextLoad = Math.max(0, edge - 2)
          v.playhead = v.bufferEnd = v.nextLoad * S
        }
        if (v.waitingForLive) timeline.at(3 * S, startLive)
        else startLive()
      }
      if (cfg.p2p) {
        timeline.at(now + 2 * HUB_LATENCY_S, () => {
          if (!v.present) return
          v.joined = true
          v.joinedAt = now
          v.askedAt = now
          v.candidates = hub.join(v, cfg.peersPerJoin)
          if (v.candidates.length === 0) v.settled = true
          dial(v)
        })
      }
    })
    if (v.leaveAt < end) {
      timeline.at(v.leaveAt, () => {
        v.present = false
        v.gone = true
        hub.leave(v)
        for (const l of [...v.links.values()]) closeLink(l)
        v.waits = []
      })
    }
    if (v.seekAt < Math.min(end, v.leaveAt)) {
      timeline.at(v.seekAt, () => {
        const k = v.seekTo
        v.seeking = true
        v.generation++
        v.loading = false
        v.playhead = v.bufferEnd = k * S
        v.nextLoad = k
        v.ended = false
      })
    }
  }

  // --- the clock ------------------------------------------------------------------------------

  let reportTick = 0
  for (now = 0; now <= end; now = Math.round((now + cfg.dt) * 1e6) / 1e6) {
    timeline.runUntil(now)
    const everySecond = Math.floor(now) !== reportTick
    if (everySecond) reportTick = Math.floor(now)
    for (const v of viewers) {
      if (!v.present) continue
      // Waits (settling, announcements) that are met or over.
      if (v.waits.length > 0) {
        const waits = v.waits
        v.waits = []
        for (const w of waits) {
          if (w.ready()) w.then(true)
          else if (now >= w.until) w.then(false)
          else v.waits.push(w)
        }
      }
      // Uploads: the uplink shared by the segments being sent.
      if (v.sending.length > 0) {
        const share = v.up / 8 * cfg.dt / v.sending.length
        for (const s of [...v.sending]) {
          s.remaining -= share
          if (s.remaining > 0) continue
          v.sending.splice(v.sending.indexOf(s), 1)
          v.uploads.done()
          v.upBytes += segBytes
          v.uploadSpeed = policy.nextSpeed(v.uploadSpeed, segBytes, (now - s.started) * 1000)
          s.req.link.lastUseful = now
          const req = s.req
          timeline.at(now + rtt(v, req.from) / 2, () => {
            if (!req.done) req.link.speed.set(req.from, policy.nextSpeed(req.link.speed.get(req.from) ?? null, segBytes, (now - req.at) * 1000))
            finish(req, true)
          })
          pumpUploads(v)
        }
      }
      if (v.waitingForLive) continue
      // The loader: one fragment at a time, up to the buffer goal.
      if (!v.loading && known(v, v.nextLoad) && v.ahead < (v.started ? PLAYING_BUFFER_S : PRELOAD_BUFFER_S)) {
        v.loading = true
        const generation = v.generation
        const k = v.nextLoad
        fetch(v, k, () => {
          if (v.generation !== generation) return
          v.loading = false
          v.nextLoad = k + 1
          v.bufferEnd = Math.max(v.bufferEnd, (k + 1) * S)
          prefetchSoon(v)
        })
      }
      // Playback.
      if (!v.ended) {
        const videoEnd = segments * S
        if (v.ahead > 0) {
          if (!v.started) {
            v.started = true
            v.startupMs = (now - v.arrive) * 1000
          }
          v.stalled = false
          v.seeking = false
          v.playhead = Math.min(v.bufferEnd, v.playhead + cfg.dt)
          v.watched += cfg.dt
          if (v.playhead >= videoEnd) v.ended = true
        } else if (v.started && !v.seeking) {
          if (!v.stalled) {
            v.stalls++
            stallCauses.set(v.phase, (stallCauses.get(v.phase) ?? 0) + 1)
            if (process.env.SIM_DEBUG) console.log(`stall: viewer ${v.id} at ${now.toFixed(1)} s (arrived ${v.arrive.toFixed(1)}, seek ${v.seekAt.toFixed(1)}), playhead ${v.playhead}, next ${v.nextLoad}, ${v.phase}, links ${v.readyLinks().length}`)
          }
          v.stalled = true
          v.stallTime += cfg.dt
        }
      }
      if (everySecond && cfg.p2p && v.joined) {
        hub.slots(v, policy.freeSlots(v.links.size, cfg.maxPeers))
        dial(v)
        prefetch(v)
      }
    }
  }

  // --- results ------------------------------------------------------------------------------

  const httpBytes = viewers.reduce((s, v) => s + v.httpBytes, 0)
  const p2pBytes = viewers.reduce((s, v) => s + v.p2pBytes, 0)
  const total = httpBytes + p2pBytes
  const capacity = viewers.reduce((s, v) => s + v.up / 8 * Math.max(0, Math.min(end, v.leaveAt) - v.arrive), 0)
  const ideal = total === 0 ? 0 : Math.max(0, Math.min(1 - uniqueFetched.size * segBytes / total, capacity / total))
  const starts = viewers.filter(v => v.startupMs >= 0).length + viewers.filter(v => v.seekAt < Math.min(end, v.leaveAt)).length
  const idealAfterStartup = total === 0 ? 0 : Math.max(0, Math.min(ideal, 1 - Math.max(uniqueFetched.size, starts) * segBytes / total))
  const watched = viewers.reduce((s, v) => s + v.watched, 0)
  const startups = viewers.filter(v => v.startupMs >= 0).map(v => v.startupMs).sort((a, b) => a - b)
  const uploads = viewers.map(v => v.upBytes).sort((a, b) => a - b)
  const fetchers = viewers.filter(v => v.httpBytes + v.p2pBytes > 0)
  const share = total === 0 ? 0 : p2pBytes / total
  return {
    viewers: cfg.viewers,
    httpBytes,
    p2pBytes,
    share,
    ideal,
    fractionOfIdeal: ideal === 0 ? 1 : share / ideal,
    idealAfterStartup,
    stallsPerMinute: watched === 0 ? 0 : viewers.reduce((s, v) => s + v.stalls, 0) / (watched / 60),
    rebufferRatio: watched === 0 ? 0 : viewers.reduce((s, v) => s + v.stallTime, 0) / (watched + viewers.reduce((s, v) => s + v.stallTime, 0)),
    startupMedianMs: startups.length === 0 ? 0 : startups[Math.floor(startups.length / 2)],
    upload: { min: uploads[0] ?? 0, median: uploads[Math.floor(uploads.length / 2)] ?? 0, max: uploads[uploads.length - 1] ?? 0 },
    viewersWithPeerBytes: fetchers.length === 0 ? 0 : fetchers.filter(v => v.p2pBytes > 0).length / fetchers.length,
    simulatedSeconds: end,
    stallCauses: Object.fromEntries([...stallCauses].sort()),
    httpReasons: Object.fromEntries([...httpReasons].sort())
  }
}
