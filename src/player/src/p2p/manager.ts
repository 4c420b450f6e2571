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

const CACHE_BYTES = 200 * 1024 * 1024
/** Connections kept at once, over every swarm. */
const MAX_PEERS = 5
/** docs/p2p-contract.md: P2P:MaxSwarmsPerConnection. */
const MAX_SWARMS = 4
/** While playing with less than this buffered ahead, a fragment is urgent: HTTP at once. */
const URGENT_BUFFER_SECONDS = 3
/** How long a non-urgent fragment waits for the swarm to be known (hub joined, first peers connected). */
const SWARM_SETTLE_MS = 4000
const PEER_TIMEOUT_MS = 5000
const PREFETCH_AHEAD_SECONDS = 60
const PREFETCH_TIMEOUT_MS = 8000
const REPORT_EVERY_MS = 10_000
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
  private settled = false
  private settleWaiters: Array<() => void> = []
  private prefetching = false
  private timers: number[] = []
  private destroyed = false
  private readonly canVerify = typeof crypto !== 'undefined' && crypto.subtle !== undefined

  constructor (
    private readonly config: P2PConfig,
    private readonly video: HTMLVideoElement,
    private readonly root: HTMLElement,
    private readonly videoUuid: string,
    private readonly hashesUrl: string | null,
    private readonly videoFileToken: string | null
  ) {
    this.iceServers = config.iceServers
  }

  /** Starts everything once hls.js is there: nothing connects before (native HLS never calls it). */
  attach (hls: Hls): void {
    if (this.hls || this.destroyed) return
    this.hls = hls
    this.root.dataset.ptP2pPeers = '0'
    hls.on(Events.LEVEL_LOADING, (_e, data) => { void this.joinForLevel(data.url, data.level) })
    hls.on(Events.FRAG_LOADED, () => this.schedulePrefetch())
    this.connectHub()
    this.timers.push(window.setInterval(() => this.schedulePrefetch(), 1000))
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

  /** A fragment hls.js already got (any source) is kept, counted and announced. */
  storeFromHttp (id: string, data: ArrayBuffer): void {
    this.counters.httpBytes += data.byteLength
    this.store(id, data.slice(0))
  }

  /** The segment from the cache or a peer, verified; null = get it over HTTP. */
  async fetch (id: string): Promise<ArrayBuffer | null> {
    const cached = this.cache.get(id)
    if (cached) return cached.slice(0)
    if (!this.canDownload()) return null
    if (this.urgent()) return null
    await this.whenSettled(SWARM_SETTLE_MS)
    const pending = this.inflight.get(id)
    if (pending) {
      const data = await pending
      if (data) return data.slice(0)
    }
    if (this.urgent()) return null
    const again = this.cache.get(id)
    if (again) return again.slice(0)
    const peer = this.pickPeer(id)
    if (!peer) return null
    const data = await this.download(peer, id, this.peerTimeout())
    return data ? data.slice(0) : null
  }

  // --- PeerHost ---------------------------------------------------------------------------

  signal (peer: Peer, kind: SignalKind, payload: string): void {
    if (!this.hub || this.hub.state !== HubConnectionState.Connected) return
    this.hub.invoke('Signal', peer.swarmId, peer.peerId, kind, payload)
      .catch(err => console.info('p2p: signal refused', String(err)))
  }

  haveList (): string[] {
    return this.uploadEnabled ? this.cache.ids() : []
  }

  segmentToSend (id: string): ArrayBuffer | undefined {
    return this.uploadEnabled ? this.cache.get(id) : undefined
  }

  /** TEST HOOK ONLY (tests/PeerTube.Net.Browser.Tests/P2PTests.cs): window.peertubePlayer.__p2pTamper = true corrupts what we send. */
  tamper (): boolean {
    return window.peertubePlayer?.__p2pTamper === true
  }

  uploaded (_peer: Peer, bytes: number): void {
    this.counters.uploadedBytes += bytes
  }

  peerOpened (): void {
    this.renderPeers()
  }

  peerAnnounced (): void {
    this.renderPeers()
    this.checkSettled()
    this.schedulePrefetch()
  }

  peerClosed (peer: Peer): void {
    const swarm = this.swarms.get(peer.swarmId)
    if (swarm?.peers.get(peer.peerId) === peer) swarm.peers.delete(peer.peerId)
    this.renderPeers()
    this.checkSettled()
  }

  // --- internals ----------------------------------------------------------------------------

  private canDownload (): boolean {
    return this.canVerify && !!this.hashesUrl && !this.destroyed
  }

  /** Playing with little buffered ahead, or seeking into the unbuffered: only HTTP is fast enough. */
  private urgent (): boolean {
    if (this.video.paused && !this.video.seeking) return false
    return bufferedAhead(this.video) < URGENT_BUFFER_SECONDS
  }

  private peerTimeout (): number {
    if (this.video.paused) return PEER_TIMEOUT_MS
    return Math.max(1000, Math.min(PEER_TIMEOUT_MS, (bufferedAhead(this.video) - 2) * 1000))
  }

  private store (id: string, data: ArrayBuffer): void {
    if (this.cache.put(id, data) && this.uploadEnabled) {
      for (const peer of this.allPeers()) peer.announce(id)
    }
  }

  private allPeers (): Peer[] {
    return [...this.swarms.values()].flatMap(s => [...s.peers.values()])
  }

  private readyPeers (): Peer[] {
    return this.allPeers().filter(p => p.ready && !p.closed)
  }

  private pickPeer (id: string): Peer | null {
    const candidates = this.readyPeers().filter(p => p.segments.has(id))
    if (candidates.length === 0) return null
    candidates.sort((a, b) => a.pendingRequests - b.pendingRequests)
    const least = candidates.filter(p => p.pendingRequests === candidates[0].pendingRequests)
    return least[Math.floor(Math.random() * least.length)]
  }

  /** One request to one peer, shared by the loader and the prefetcher; only verified bytes come out. */
  private download (peer: Peer, id: string, timeoutMs: number): Promise<ArrayBuffer | null> {
    const existing = this.inflight.get(id)
    if (existing) return existing
    const task = (async (): Promise<ArrayBuffer | null> => {
      const hashesPromise = this.loadHashes()
      const data = await peer.request(id, timeoutMs)
      if (!data) return null
      const expected = await this.expectedHash(id, hashesPromise)
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

  private async expectedHash (id: string, hashes: Promise<Record<string, Record<string, string>> | null>): Promise<string | null> {
    const parts = splitSegmentId(id)
    const table = await hashes
    if (!parts || !table) return null
    const value = table[parts.file]?.[parts.range]
    return typeof value === 'string' ? value.toLowerCase() : null
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
    const from = this.video.currentTime
    for (const frag of fragments) {
      if (frag.start + frag.duration <= from || frag.start > from + PREFETCH_AHEAD_SECONDS) continue
      const start = frag.byteRangeStartOffset
      const end = frag.byteRangeEndOffset
      if (start === undefined || end === undefined || end <= start) continue
      const id = segmentId(fileName(frag.url), start, end - 1)
      if (this.cache.has(id) || this.inflight.has(id)) continue
      const peer = this.pickPeer(id)
      if (peer) return { peer, id }
    }
    return null
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
    const swarm: Swarm = { id: swarmId, peerId: null, peers: new Map(), joinedAt: performance.now() }
    this.swarms.set(swarmId, swarm)
    if (!(await this.hubStart) || !this.hub) return this.markSettled()
    try {
      const result = await this.hub.invoke<{ peerId: string, peers: string[] }>('Join', swarmId)
      if (this.swarms.get(swarmId) !== swarm) return
      swarm.peerId = result.peerId
      const room = MAX_PEERS - this.allPeers().length
      const chosen = (result.peers ?? []).filter(p => typeof p === 'string' && p !== result.peerId).slice(0, Math.max(0, room))
      for (const peerId of chosen) {
        const peer = new Peer(swarmId, peerId, true, this)
        swarm.peers.set(peerId, peer)
        void peer.offer()
      }
      if (chosen.length === 0) this.markSettled()
      this.renderPeers()
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

  private onSignal (swarmId: string, fromPeerId: string, kind: string, payload: unknown): void {
    const swarm = this.swarms.get(swarmId)
    if (!swarm || payload === null || payload === undefined) return
    let peer = swarm.peers.get(fromPeerId)
    if (!peer && kind === 'offer') {
      if (this.allPeers().length >= MAX_PEERS) return
      peer = new Peer(swarmId, fromPeerId, false, this)
      swarm.peers.set(fromPeerId, peer)
      this.renderPeers()
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

async function sha256Hex (data: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
  let hex = ''
  for (const b of digest) hex += b.toString(16).padStart(2, '0')
  return hex
}
