// Peer-to-peer segments (docs/p2p-contract.md): the SignalR hub /hubs/swarm introduces viewers of the same rendition,
// they connect with WebRTC data channels and serve each other the HLS segments they hold. Every segment from a peer is
// checked against segments-sha256.json before hls.js sees it; anything wrong, late or missing comes over HTTP instead.
//
// The manager owns the hub connection, the swarms joined, the peers, the segment cache and the counters; the hls.js
// fragment loader (loader.ts) asks it for segments and reports what HTTP brought.
import { HubConnectionBuilder, HubConnectionState, LogLevel, type HubConnection } from '@microsoft/signalr'
import { Events, type default as Hls } from 'hls.js'
import { withFileToken, type P2PConfig } from '../player/config'
import { bufferedAhead } from '../player/dom'
import { SegmentCache, segmentId, splitSegmentId } from './cache'
import { Peer, type PeerHost, type SignalKind } from './peer'
import {
  DEFAULT_MAX_PEERS,
  PEER_ATTEMPTS,
  UploadQueue,
  announceWaitMs,
  choosePeer,
  decideOffer,
  freeSlots,
  isUrgent,
  nextPrefetch,
  nextHttpSeconds,
  nextSpeed,
  peerTimeoutMs,
  queueCapacity,
  planDials,
  settleWaitMs,
  uploadSlots,
  urgentSeconds,
  wantMorePeers,
  keepOwnOffer,
  nextMorePeersInterval,
  MORE_PEERS_EVERY_MS,
  type LinkView
} from './policy'

const CACHE_BYTES = 200 * 1024 * 1024
/** docs/p2p-contract.md: P2P:MaxSwarmsPerConnection. */
const MAX_SWARMS = 4
/** How long a non-urgent fragment waits for the swarm to be known (hub joined, first peers connected). */
const SWARM_SETTLE_MS = 4000
const PREFETCH_AHEAD_SECONDS = 60
const PREFETCH_TIMEOUT_MS = 8000
const REPORT_EVERY_MS = 10_000
const HASHES_REFRESH_MS = 2000
const UPLOAD_STORAGE_KEY = 'pt-p2p-upload'

export interface P2PStats {
  httpBytes: number
  p2pBytes: number
  uploadedBytes: number
  peers: number
  /** Segments from peers that failed the sha256 check (or came malformed). */
  rejected: number
}

interface Swarm {
  id: string
  /** Our id in it, from Join. */
  peerId: string | null
  peers: Map<string, Peer>
  joinedAt: number
  /** Peers from the last Join, in the hub's order (those with free slots first), not yet dialled. */
  candidates: string[]
  /** Peer id → when we last dialled it, or it was full, failed or was rotated out (policy.planDials). */
  triedAt: Map<string, number>
  /** When we last joined (asked the hub for peers), and how long until we may ask again. */
  askedAt: number
  askEvery: number
  /** Free slots last told to the hub (ReportSlots). */
  reportedFree: number | null
}

/** Uploading defaults to off on metered or data-saving connections; the viewer's choice (settings menu) wins. */
function defaultUpload (): boolean {
  try {
    const stored = localStorage.getItem(UPLOAD_STORAGE_KEY)
    if (stored === '1') return true
    if (stored === '0') return false
  } catch { /* storage blocked */ }
  const connection = (navigator as Navigator & { connection?: { saveData?: boolean, type?: string } }).connection
  return !(connection?.saveData === true || connection?.type === 'cellular')
}

export class P2PManager implements PeerHost {
  readonly counters = { httpBytes: 0, p2pBytes: 0, uploadedBytes: 0, rejected: 0 }
  readonly iceServers: RTCIceServer[]
  uploadEnabled = defaultUpload()

  private readonly cache = new SegmentCache(CACHE_BYTES)
  private readonly swarms = new Map<string, Swarm>()
  private readonly inflight = new Map<string, Promise<ArrayBuffer | null>>()
  private hub: HubConnection | null = null
  private hubStart: Promise<boolean> | null = null
  private hls: Hls | null = null
  private hashes: Promise<Record<string, Record<string, string>> | null> | null = null
  private hashesFetchedAt = -Infinity
  private settled = false
  private settleWaiters: Array<() => void> = []
  private prefetching = false
  private timers: number[] = []
  private destroyed = false
  private readonly canVerify = typeof crypto !== 'undefined' && crypto.subtle !== undefined
  /** P2P:MaxPeers, from the server. */
  private readonly maxPeers: number
  private lastRotation = -Infinity
  /** Requests of our peers, served round-robin with a bounded number of upload slots (policy.UploadQueue). */
  private readonly uploads = new UploadQueue<Peer>(() => uploadSlots(this.urgent()), () => queueCapacity(this.uploadSpeed, this.uploadSize))
  /** Our measured upload rate (bytes/ms) and the size of the last segment sent, for the upload queue's capacity. */
  private uploadSpeed: number | null = null
  private uploadSize: number | null = null
  /** How long our HTTP fragment fetches take (s, policy.nextHttpSeconds): it sets the urgency threshold. */
  private httpSeconds: number | null = null
  /** Fetches waiting for some peer to announce a segment (policy.announceWaitMs). */
  private readonly announceWaiters = new Map<string, Array<() => void>>()

  constructor (
    private readonly config: P2PConfig,
    private readonly video: HTMLVideoElement,
    private readonly root: HTMLElement,
    private readonly videoUuid: string,
    private readonly hashesUrl: string | null,
    private readonly videoFileToken: string | null
  ) {
    this.iceServers = config.iceServers
    this.maxPeers = config.maxPeers > 0 ? config.maxPeers : DEFAULT_MAX_PEERS
  }

  /** Starts everything once hls.js is there: nothing connects before (native HLS never calls it). */
  attach (hls: Hls): void {
    if (this.hls || this.destroyed) return
    this.hls = hls
    this.root.dataset.ptP2pPeers = '0'
    hls.on(Events.LEVEL_LOADING, (_e, data) => { void this.joinForLevel(data.url, data.level) })
    hls.on(Events.FRAG_LOADED, () => this.schedulePrefetch())
    this.connectHub()
    this.timers.push(window.setInterval(() => {
      this.schedulePrefetch()
      this.dial()
      this.reportSlots()
    }, 1000))
    this.timers.push(window.setInterval(() => this.report(false), REPORT_EVERY_MS))
    window.addEventListener('pagehide', () => this.report(true))
  }

  stats (): P2PStats {
    return { ...this.counters, peers: this.readyPeers().length }
  }

  setUpload (enabled: boolean): void {
    this.uploadEnabled = enabled
    try { localStorage.setItem(UPLOAD_STORAGE_KEY, enabled ? '1' : '0') } catch { /* storage blocked */ }
    for (const peer of this.allPeers()) peer.announceAll()
  }

  destroy (): void {
    this.destroyed = true
    for (const t of this.timers) window.clearInterval(t)
    for (const peer of this.allPeers()) peer.close()
    void this.hub?.stop()
  }

  // --- what the loader asks ---------------------------------------------------------------

  /** A fragment hls.js already got (any source) is kept, counted and announced; ms = how long its fetch took, if known. */
  storeFromHttp (id: string, data: ArrayBuffer, ms: number | null = null): void {
    this.counters.httpBytes += data.byteLength
    if (ms !== null && ms >= 0) this.httpSeconds = nextHttpSeconds(this.httpSeconds, ms / 1000)
    this.store(id, data.slice(0))
  }

  /** The segment from the cache or a peer, verified; null = get it over HTTP. */
  async fetch (id: string): Promise<ArrayBuffer | null> {
    const cached = this.cache.get(id)
    if (cached) return cached.slice(0)
    if (!this.canDownload()) return null
    if (this.urgent()) return null
    await this.whenSettled(settleWaitMs(bufferedAhead(this.video), !this.video.paused, SWARM_SETTLE_MS, this.urgentAt()))
    const pending = this.inflight.get(id)
    if (pending) {
      // The prefetcher is fetching it (with its own, longer time-out): wait no longer than a request of ours may take.
      const data = await withTimeout(pending, this.peerTimeout())
      if (data) return data.slice(0)
    }
    if (this.urgent()) return null
    const again = this.cache.get(id)
    if (again) return again.slice(0)
    // A peer that has it and a free slot; else wait within the spare buffer (policy.announceWaitMs) for one to announce
    // it or to have a slot again; at most PEER_ATTEMPTS requests; HTTP (null) whenever the buffer runs short.
    let attempts = 0
    let waitUntil: number | null = null
    for (;;) {
      const have = this.cache.get(id)
      if (have) return have.slice(0)
      if (this.urgent()) return null
      const peer = this.pickPeer(id)
      if (peer) {
        if (attempts++ >= PEER_ATTEMPTS) return null
        const timeout = this.peerTimeout()
        const data = await withTimeout(this.download(peer, id, timeout), timeout) ?? this.cache.get(id)
        if (data) return data.slice(0)
        continue
      }
      const now = performance.now()
      const holders = this.holders(id)
      waitUntil ??= now + announceWaitMs(bufferedAhead(this.video), this.readyPeers().length, holders.length > 0, Math.random, this.urgentAt(),
        this.olderPeers())
      if (now >= waitUntil) return null
      const freeAgain = holders.reduce((t, p) => Math.min(t, p.busyUntil), Infinity)
      await this.whenAnnounced(id, Math.min(waitUntil, Math.max(freeAgain, now + 50)) - now)
    }
  }

  // --- PeerHost ---------------------------------------------------------------------------

  signal (peer: Peer, kind: SignalKind, payload: string): void {
    if (!this.hub || this.hub.state !== HubConnectionState.Connected) return
    this.hub.invoke('Signal', peer.swarmId, peer.peerId, kind, payload)
      .catch(err => console.info('p2p: signal refused', String(err)))
  }

  joinedAgo (swarmId: string): number {
    const swarm = this.swarms.get(swarmId)
    return swarm ? performance.now() - swarm.joinedAt : 0
  }

  haveList (): string[] {
    return this.uploadEnabled ? this.cache.ids() : []
  }

  segmentToSend (id: string): ArrayBuffer | undefined {
    return this.uploadEnabled ? this.cache.get(id) : undefined
  }

  requested (peer: Peer, id: string): 'queued' | 'busy' {
    const answer = this.uploads.offer(peer, id)
    this.pumpUploads()
    return answer
  }

  cancelled (peer: Peer, id: string): void {
    this.uploads.cancel(peer, id)
  }

  /** TEST HOOK ONLY (tests/PeerTube.Net.Browser.Tests/P2PTests.cs): window.peertubePlayer.__p2pTamper = true corrupts what we send. */
  tamper (): boolean {
    return window.peertubePlayer?.__p2pTamper === true
  }

  uploaded (_peer: Peer, bytes: number, ms: number): void {
    this.counters.uploadedBytes += bytes
    this.uploadSpeed = nextSpeed(this.uploadSpeed, bytes, ms)
    this.uploadSize = bytes
  }

  peerOpened (): void {
    this.renderPeers()
    this.dial()
  }

  peerAnnounced (_peer: Peer, id: string | null): void {
    if (id !== null) this.announced(id)
    else for (const waiting of [...this.announceWaiters.keys()]) if (this.readyPeers().some(p => p.segments.has(waiting))) this.announced(waiting)
    this.renderPeers()
    this.checkSettled()
    this.schedulePrefetch()
  }

  peerClosed (peer: Peer): void {
    const swarm = this.swarms.get(peer.swarmId)
    if (swarm?.peers.get(peer.peerId) === peer) {
      swarm.peers.delete(peer.peerId)
      swarm.triedAt.set(peer.peerId, performance.now())
    }
    this.uploads.forget(peer)
    this.renderPeers()
    this.checkSettled()
    this.dial()
  }

  // --- internals ----------------------------------------------------------------------------

  private canDownload (): boolean {
    return this.canVerify && !!this.hashesUrl && !this.destroyed
  }

  /** Playing with little buffered ahead, or seeking into the unbuffered: only HTTP is fast enough. */
  private urgent (): boolean {
    return isUrgent(bufferedAhead(this.video), !this.video.paused || this.video.seeking, this.urgentAt())
  }

  /** The urgency threshold (s), from how fast HTTP has been for us (policy.urgentSeconds). */
  private urgentAt (): number {
    return urgentSeconds(this.httpSeconds)
  }

  private peerTimeout (): number {
    return peerTimeoutMs(bufferedAhead(this.video), !this.video.paused, this.urgentAt())
  }

  private store (id: string, data: ArrayBuffer): void {
    if (this.cache.put(id, data) && this.uploadEnabled) {
      for (const peer of this.allPeers()) peer.announce(id)
    }
    this.announced(id)
  }

  private pumpUploads (): void {
    for (let next = this.uploads.take(); next !== null; next = this.uploads.take()) {
      void next.from.send(next.id).finally(() => {
        this.uploads.done()
        this.pumpUploads()
      })
    }
  }

  /** Resolves true once some peer announces the segment (or we got it), false after timeoutMs. */
  private whenAnnounced (id: string, timeoutMs: number): Promise<boolean> {
    return new Promise(resolve => {
      const list = this.announceWaiters.get(id) ?? []
      const timer = window.setTimeout(() => {
        const i = list.indexOf(done)
        if (i >= 0) list.splice(i, 1)
        if (list.length === 0 && this.announceWaiters.get(id) === list) this.announceWaiters.delete(id)
        resolve(false)
      }, timeoutMs)
      function done (): void { window.clearTimeout(timer); resolve(true) }
      list.push(done)
      this.announceWaiters.set(id, list)
    })
  }

  private announced (id: string): void {
    const list = this.announceWaiters.get(id)
    if (!list) return
    this.announceWaiters.delete(id)
    for (const done of list) done()
  }

  private allPeers (): Peer[] {
    return [...this.swarms.values()].flatMap(s => [...s.peers.values()])
  }

  private readyPeers (): Peer[] {
    return this.allPeers().filter(p => p.ready && !p.closed)
  }

  private pickPeer (id: string): Peer | null {
    return choosePeer(this.holders(id), performance.now(), Math.random)
  }

  /** Ready peers that joined their swarm before we did (policy.isPioneer); null when one of them did not say when. */
  private olderPeers (): number | null {
    let older = 0
    for (const swarm of this.swarms.values()) {
      for (const peer of swarm.peers.values()) {
        if (!peer.ready || peer.closed) continue
        if (peer.joinedAt === null) return null
        if (peer.joinedAt < swarm.joinedAt) older++
      }
    }
    return older
  }

  private holders (id: string): Peer[] {
    return this.readyPeers().filter(p => p.segments.has(id))
  }

  /** One request to one peer, shared by the loader and the prefetcher; only verified bytes come out. */
  private download (peer: Peer, id: string, timeoutMs: number): Promise<ArrayBuffer | null> {
    const existing = this.inflight.get(id)
    if (existing) return existing
    const task = (async (): Promise<ArrayBuffer | null> => {
      const hashesPromise = this.loadHashes()
      const started = performance.now()
      const data = await peer.request(id, timeoutMs)
      if (!data) return null
      peer.speed = nextSpeed(peer.speed, data.byteLength, performance.now() - started)
      let expected = await this.expectedHash(id, hashesPromise)
      if (expected === undefined && this.refreshHashes()) expected = await this.expectedHash(id, this.loadHashes())
      if (expected === undefined) {
        // Not in segments-sha256.json yet (live: a segment newer than our copy of it): unverifiable, so not used, but
        // not the peer's fault either.
        console.info(`p2p: no sha256 for ${id} yet; fetching it over HTTP`)
        return null
      }
      if (!expected || (await sha256Hex(data)) !== expected) {
        this.counters.rejected++
        console.warn(`p2p: segment ${id} from a peer failed its sha256 check; dropping that peer`)
        peer.close()
        return null
      }
      this.counters.p2pBytes += data.byteLength
      this.store(id, data)
      return data
    })().catch(err => {
      console.info('p2p: download failed', err)
      return null
    }).finally(() => this.inflight.delete(id))
    this.inflight.set(id, task)
    return task
  }

  private loadHashes (): Promise<Record<string, Record<string, string>> | null> {
    if (!this.hashes) {
      this.hashesFetchedAt = performance.now()
      const url = this.hashesUrl
      this.hashes = url === null
        ? Promise.resolve(null)
        : fetch(withFileToken(url, this.videoFileToken), { credentials: 'same-origin' })
          .then(r => r.ok ? r.json() as Promise<Record<string, Record<string, string>>> : null)
          .catch(() => null)
          .then(h => {
            // A failed fetch may be retried later (the server restarting, a network blip).
            if (h === null) window.setTimeout(() => { this.hashes = null }, 10_000)
            return h
          })
    }
    return this.hashes
  }

  /** The segment's sha256; null when it cannot be checked (no table, a malformed id or entry); undefined when the table has no such segment. */
  private async expectedHash (id: string, hashes: Promise<Record<string, Record<string, string>> | null>): Promise<string | null | undefined> {
    const parts = splitSegmentId(id)
    const table = await hashes
    if (!table) return null
    // A byte range of a file (VOD: { file: { "start-end": sha } }), or a whole file (live: { file: sha }).
    const value: unknown = parts ? table[parts.file]?.[parts.range] : (table as Record<string, unknown>)[id]
    if (value === undefined) return undefined
    return typeof value === 'string' ? value.toLowerCase() : null
  }

  /**
   * Nothing assumes VOD: a live video's segments-sha256.json grows as segments appear, so a segment missing from our
   * copy fetches it again, at most every HASHES_REFRESH_MS. True when a fresh copy is on its way.
   */
  private refreshHashes (): boolean {
    const now = performance.now()
    if (now - this.hashesFetchedAt < HASHES_REFRESH_MS) return false
    this.hashesFetchedAt = now
    this.hashes = null
    return true
  }

  // --- prefetch -------------------------------------------------------------------------------

  /** While idle, fetches from peers the segments ahead of the play head that they have and we don't. */
  private schedulePrefetch (): void {
    if (this.prefetching || this.destroyed || !this.canDownload() || this.urgent()) return
    const next = this.nextPrefetch()
    if (!next) return
    this.prefetching = true
    void this.download(next.peer, next.id, PREFETCH_TIMEOUT_MS).finally(() => {
      this.prefetching = false
      this.schedulePrefetch()
    })
  }

  private nextPrefetch (): { peer: Peer, id: string } | null {
    const hls = this.hls
    if (!hls || this.readyPeers().length === 0) return null
    const index = hls.loadLevel >= 0 ? hls.loadLevel : hls.currentLevel
    const fragments = hls.levels[index]?.details?.fragments ?? []
    const segments = []
    for (const frag of fragments) {
      const start = frag.byteRangeStartOffset
      const end = frag.byteRangeEndOffset
      const id = start === undefined || end === undefined || end <= start ? fileName(frag.url) : segmentId(fileName(frag.url), start, end - 1)
      segments.push({ id, start: frag.start, duration: frag.duration })
    }
    return nextPrefetch(segments, this.video.currentTime, PREFETCH_AHEAD_SECONDS, id => this.cache.has(id) || this.inflight.has(id),
      id => this.holders(id), performance.now(), Math.random)
  }

  // --- hub and swarms ---------------------------------------------------------------------

  private connectHub (): void {
    const hub = new HubConnectionBuilder()
      // A private or internal video's swarms take the viewer's videoFileToken (or the session cookie).
      .withUrl(withFileToken(this.config.hubUrl, this.videoFileToken))
      .withAutomaticReconnect()
      // SignalR's own logging writes console errors when the hub is unreachable; P2P is optional, so stay quiet.
      .configureLogging(LogLevel.None)
      .build()
    this.hub = hub
    hub.on('signal', (swarmId: string, fromPeerId: string, kind: string, payload: unknown) => {
      this.onSignal(swarmId, fromPeerId, kind, payload)
    })
    hub.onreconnected(() => {
      // Peer ids are per connection: join again, the old ids are gone.
      const ids = [...this.swarms.keys()]
      for (const swarm of this.swarms.values()) for (const peer of swarm.peers.values()) peer.close()
      this.swarms.clear()
      for (const id of ids) void this.join(id)
    })
    this.hubStart = hub.start().then(() => true, err => {
      console.info('p2p: the swarm hub is unreachable; segments come over HTTP', String(err))
      this.markSettled()
      return false
    })
  }

  private async joinForLevel (url: string, level: number): Promise<void> {
    const name = fileName(url)
    const height = this.hls?.levels[level]?.height
    const swarm = this.config.swarms.find(s => s.playlist === name) ??
      this.config.swarms.find(s => height !== undefined && s.height === height)
    if (!swarm) {
      this.markSettled()
      return
    }
    await this.join(swarm.swarmId)
  }

  private async join (swarmId: string): Promise<void> {
    if (this.swarms.has(swarmId) || this.destroyed) return
    if (this.swarms.size >= MAX_SWARMS) {
      const oldest = [...this.swarms.values()].sort((a, b) => a.joinedAt - b.joinedAt)[0]
      this.leave(oldest.id)
    }
    const swarm: Swarm = {
      id: swarmId, peerId: null, peers: new Map(), joinedAt: performance.now(), candidates: [], triedAt: new Map(), askedAt: performance.now(), askEvery: MORE_PEERS_EVERY_MS, reportedFree: null
    }
    this.swarms.set(swarmId, swarm)
    if (!(await this.hubStart) || !this.hub) return this.markSettled()
    try {
      const result = await this.hub.invoke<{ peerId: string, peers: string[] }>('Join', swarmId)
      if (this.swarms.get(swarmId) !== swarm) return
      swarm.peerId = result.peerId
      swarm.candidates = (result.peers ?? []).filter(p => typeof p === 'string' && p !== result.peerId)
      if (swarm.candidates.length === 0) this.markSettled()
      this.reportSlots()
      this.dial()
    } catch (err) {
      console.info(`p2p: joining swarm ${swarmId} failed`, String(err))
      this.swarms.delete(swarmId)
      this.markSettled()
    }
  }

  private leave (swarmId: string): void {
    const swarm = this.swarms.get(swarmId)
    if (!swarm) return
    this.swarms.delete(swarmId)
    for (const peer of swarm.peers.values()) peer.close()
    if (this.hub?.state === HubConnectionState.Connected) this.hub.invoke('Leave', swarmId).catch(() => { /* gone anyway */ })
  }

  /**
   * Offers to the swarms' candidates as slots allow, a few at a time (policy.planDials); when a swarm's list is used up
   * and slots are free, joins again for a fresh list (policy.wantMorePeers, bounded in rate).
   */
  private dial (): void {
    if (this.destroyed || !this.hub || this.hub.state !== HubConnectionState.Connected) return
    const now = performance.now()
    for (const swarm of this.swarms.values()) {
      if (swarm.peerId === null) continue
      const peers = this.allPeers()
      const dialing = peers.filter(p => !p.ready).length
      const chosen = planDials(swarm.candidates, id => swarm.peers.has(id), swarm.triedAt, peers.length, dialing, this.maxPeers, now)
      for (const peerId of chosen) {
        swarm.candidates.splice(swarm.candidates.indexOf(peerId), 1)
        swarm.triedAt.set(peerId, now)
        const peer = new Peer(swarm.id, peerId, true, this)
        swarm.peers.set(peerId, peer)
        void peer.offer()
      }
      const untried = planDials(swarm.candidates, id => swarm.peers.has(id), swarm.triedAt, 0, 0, this.maxPeers, now).length
      if (wantMorePeers(this.allPeers().length, this.maxPeers, untried, swarm.askedAt, swarm.askEvery, now)) {
        swarm.askedAt = now
        const hub = this.hub
        hub.invoke<{ peerId: string, peers: string[] }>('Join', swarm.id).then(result => {
          if (this.swarms.get(swarm.id) !== swarm) return
          swarm.candidates = (result.peers ?? []).filter(p => typeof p === 'string' && p !== swarm.peerId)
          const fresh = planDials(swarm.candidates, id => swarm.peers.has(id), swarm.triedAt, 0, 0, this.maxPeers, performance.now()).length > 0
          swarm.askEvery = nextMorePeersInterval(swarm.askEvery, fresh)
          this.dial()
        }, err => console.info('p2p: asking for more peers failed', String(err)))
      }
    }
    this.renderPeers()
  }

  /** Tells the hub how many more connections we take, when it changed (ReportSlots), so that Join lists us fairly. */
  private reportSlots (): void {
    const hub = this.hub
    if (!hub || hub.state !== HubConnectionState.Connected) return
    const free = freeSlots(this.allPeers().length, this.maxPeers)
    for (const swarm of this.swarms.values()) {
      if (swarm.peerId === null || swarm.reportedFree === free) continue
      swarm.reportedFree = free
      hub.invoke('ReportSlots', swarm.id, free).catch(err => {
        swarm.reportedFree = null
        console.info('p2p: slots report refused', String(err))
      })
    }
  }

  private linkViews (): LinkView[] {
    return this.allPeers().map(p => ({ id: `${p.swarmId} ${p.peerId}`, openedAt: p.createdAt, lastUseful: p.lastUseful, ready: p.ready }))
  }

  private onSignal (swarmId: string, fromPeerId: string, kind: string, payload: unknown): void {
    const swarm = this.swarms.get(swarmId)
    if (!swarm || payload === null || payload === undefined) return
    let peer = swarm.peers.get(fromPeerId)
    if (kind === 'full') {
      // The peer we offered to has no slot: drop it now (not at the connect time-out) and try another.
      if (peer?.initiator === true && !peer.ready) peer.close()
      return
    }
    if (peer?.initiator === true && !peer.ready && kind === 'offer' && swarm.peerId !== null) {
      // Both offered at once (policy.keepOwnOffer): the smaller peer id's offer stands.
      if (keepOwnOffer(swarm.peerId, fromPeerId)) return
      peer.close()
      peer = undefined
    }
    if (!peer && kind === 'offer') {
      const now = performance.now()
      const decision = decideOffer(this.linkViews(), this.maxPeers, now, this.lastRotation)
      if (!decision.accept) {
        this.hub?.invoke('Signal', swarmId, fromPeerId, 'full', '{}').catch(() => { /* it times out instead */ })
        return
      }
      if (decision.drop !== null) {
        // Slot rotation (policy.rotationVictim): an idle link makes room for the newcomer.
        this.lastRotation = now
        this.allPeers().find(p => `${p.swarmId} ${p.peerId}` === decision.drop)?.close()
      }
      peer = new Peer(swarmId, fromPeerId, false, this)
      swarm.peers.set(fromPeerId, peer)
      this.renderPeers()
      this.reportSlots()
    }
    if (peer) void peer.onSignal(kind, payload)
  }

  // --- settling: the first fragments wait (a little) for the first peers -------------------

  private whenSettled (timeoutMs: number): Promise<void> {
    if (this.settled) return Promise.resolve()
    return new Promise(resolve => {
      const timer = window.setTimeout(done, timeoutMs)
      function done (): void { window.clearTimeout(timer); resolve() }
      this.settleWaiters.push(done)
    })
  }

  private checkSettled (): void {
    if (this.settled) return
    const peers = this.allPeers()
    // Settled when a peer told us what it has, or every peer we tried is gone.
    if (peers.some(p => p.ready) || (peers.length === 0 && [...this.swarms.values()].some(s => s.peerId !== null))) this.markSettled()
  }

  private markSettled (): void {
    if (this.settled) return
    this.settled = true
    for (const w of this.settleWaiters.splice(0)) w()
  }

  private renderPeers (): void {
    const count = String(this.readyPeers().length)
    if (this.root.dataset.ptP2pPeers !== count) this.root.dataset.ptP2pPeers = count
  }

  private report (leaving: boolean): void {
    const hub = this.hub
    if (!hub || hub.state !== HubConnectionState.Connected) return
    const s = this.stats()
    const body = { httpBytes: s.httpBytes, p2pBytes: s.p2pBytes, uploadedBytes: s.uploadedBytes, peers: s.peers }
    if (leaving) hub.send('ReportStats', this.videoUuid, body).catch(() => { /* the page is going */ })
    else hub.invoke('ReportStats', this.videoUuid, body).catch(err => console.info('p2p: stats refused', String(err)))
  }
}

/** The last path segment of a URL, without query or fragment. */
export function fileName (url: string): string {
  const path = url.split(/[?#]/, 1)[0]
  return path.slice(path.lastIndexOf('/') + 1)
}

/** The promise's value, or null once timeoutMs have passed (the promise itself goes on). */
function withTimeout<T> (promise: Promise<T | null>, timeoutMs: number): Promise<T | null> {
  return new Promise(resolve => {
    const timer = window.setTimeout(() => resolve(null), timeoutMs)
    void promise.then(value => { window.clearTimeout(timer); resolve(value) }, () => { window.clearTimeout(timer); resolve(null) })
  })
}

async function sha256Hex (data: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
}
