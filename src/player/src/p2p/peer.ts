// One remote viewer: an RTCPeerConnection with one ordered data channel "segments", speaking the data channel protocol
// of docs/p2p-contract.md: JSON control messages (have / have+ / get / data / none / busy / cancel) and binary chunks.
// The SignalR hub only carries the offer / answer / ICE candidates between the two browsers.

/** Binary messages are at most 16 KB (the contract; also the size every browser's SCTP stack sends unfragmented). */
const CHUNK_BYTES = 16 * 1024
/** Above this many bytes queued in the channel, sending waits for 'bufferedamountlow'. */
const HIGH_WATER_BYTES = 1024 * 1024
const LOW_WATER_BYTES = 256 * 1024
/** The longest a sent segment holds the upload slot while it leaves the channel's buffer. */
const DRAIN_TIMEOUT_MS = 10_000
/** A peer whose channel is not open by then is given up. */
const CONNECT_TIMEOUT_MS = 10_000
/** Control messages a peer may send us; anything bigger is a broken or hostile peer. */
const MAX_CONTROL_CHARS = 256 * 1024
const MAX_SEGMENT_BYTES = 64 * 1024 * 1024

export type SignalKind = 'offer' | 'answer' | 'candidate' | 'full'

import { BUSY_BACKOFF_MS } from './policy'

/** What a peer needs from the manager. */
export interface PeerHost {
  readonly iceServers: RTCIceServer[]
  /** Sends an offer / answer / candidate to this peer through the hub. */
  signal (peer: Peer, kind: SignalKind, payload: string): void
  /** Segment ids to announce when the channel opens (empty when uploading is off). */
  haveList (): string[]
  /** How long ago we joined this peer's swarm (ms), told in our 'have'. */
  joinedAgo (swarmId: string): number
  /** The cached segment to send, or undefined (not cached, or uploading is off). */
  segmentToSend (id: string): ArrayBuffer | undefined
  /** The peer asks for a segment: the manager queues it (its upload queue, fair across peers) or says busy. */
  requested (peer: Peer, id: string): 'queued' | 'busy'
  cancelled (peer: Peer, id: string): void
  /** Test hook: corrupt what is sent (see P2PManager.tamper). */
  tamper (): boolean
  /** A segment went out whole: its size and how long it took to leave (queued in the channel to sent). */
  uploaded (peer: Peer, bytes: number, ms: number): void
  peerOpened (peer: Peer): void
  peerAnnounced (peer: Peer, id: string | null): void
  peerClosed (peer: Peer): void
}

interface Incoming {
  id: string
  size: number
  received: number
  buffer: Uint8Array
}

export class Peer {
  readonly segments = new Set<string>()
  /** The channel is open and the peer said what it has. */
  ready = false
  closed = false
  readonly createdAt = performance.now()
  /** The last time a whole segment passed, either way (slot rotation: policy.ts). */
  lastUseful = this.createdAt
  /** It answered "busy": not asked again before this. */
  busyUntil = 0
  /** Bytes per ms of its last segments to us, request to last byte (policy.HolderView); null until one came. */
  speed: number | null = null
  /** When the peer joined the swarm, on our clock (from the age in its 'have'); null when it did not say. */
  joinedAt: number | null = null

  private readonly pc: RTCPeerConnection
  private channel: RTCDataChannel | null = null
  private remoteDescriptionSet = false
  private readonly pendingCandidates: RTCIceCandidateInit[] = []
  private incoming: Incoming | null = null
  private readonly waiters = new Map<string, Array<(data: ArrayBuffer | null) => void>>()
  private readonly connectTimer: number

  constructor (
    readonly swarmId: string,
    readonly peerId: string,
    /** The joiner makes the offer (and the data channel). */
    readonly initiator: boolean,
    private readonly host: PeerHost
  ) {
    this.pc = new RTCPeerConnection({ iceServers: host.iceServers })
    this.pc.onicecandidate = e => {
      if (e.candidate) this.host.signal(this, 'candidate', JSON.stringify(e.candidate.toJSON()))
    }
    this.pc.onconnectionstatechange = () => {
      const state = this.pc.connectionState
      if (state === 'failed' || state === 'closed') this.close()
    }
    if (initiator) {
      this.attach(this.pc.createDataChannel('segments', { ordered: true }))
    } else {
      this.pc.ondatachannel = e => { if (e.channel.label === 'segments') this.attach(e.channel) }
    }
    this.connectTimer = window.setTimeout(() => { if (!this.ready) this.close() }, CONNECT_TIMEOUT_MS)
  }

  /** The initiator's first step. */
  async offer (): Promise<void> {
    try {
      const offer = await this.pc.createOffer()
      await this.pc.setLocalDescription(offer)
      this.host.signal(this, 'offer', JSON.stringify(this.pc.localDescription ?? offer))
    } catch (err) {
      console.info('p2p: cannot make an offer', err)
      this.close()
    }
  }

  /** The hub passes the payload on untouched: we send JSON strings, but take an object too. */
  async onSignal (kind: string, payload: unknown): Promise<void> {
    if (this.closed) return
    try {
      const value = typeof payload === 'string' ? JSON.parse(payload) as unknown : payload
      if (!value || typeof value !== 'object') throw new Error('not an object')
      if (kind === 'offer' && !this.initiator) {
        await this.pc.setRemoteDescription(value as RTCSessionDescriptionInit)
        await this.flushCandidates()
        const answer = await this.pc.createAnswer()
        await this.pc.setLocalDescription(answer)
        this.host.signal(this, 'answer', JSON.stringify(this.pc.localDescription ?? answer))
      } else if (kind === 'answer' && this.initiator) {
        await this.pc.setRemoteDescription(value as RTCSessionDescriptionInit)
        await this.flushCandidates()
      } else if (kind === 'candidate') {
        const candidate = value as RTCIceCandidateInit
        if (this.remoteDescriptionSet) await this.pc.addIceCandidate(candidate)
        else this.pendingCandidates.push(candidate)
      }
    } catch (err) {
      console.info(`p2p: bad ${kind} from a peer`, err)
      if (kind !== 'candidate') this.close()
    }
  }

  /** Asks for a segment; resolves with its bytes (not yet verified), or null on 'none', time-out or close. */
  request (id: string, timeoutMs: number): Promise<ArrayBuffer | null> {
    if (!this.ready || this.closed) return Promise.resolve(null)
    return new Promise(resolve => {
      let done = false
      const finish = (data: ArrayBuffer | null): void => {
        if (done) return
        done = true
        window.clearTimeout(timer)
        const list = this.waiters.get(id)
        if (list) {
          const i = list.indexOf(finish)
          if (i >= 0) list.splice(i, 1)
          if (list.length === 0) this.waiters.delete(id)
        }
        resolve(data)
      }
      const timer = window.setTimeout(() => {
        this.sendJson({ t: 'cancel', segment: id })
        finish(null)
      }, timeoutMs)
      const list = this.waiters.get(id)
      if (list) list.push(finish)
      else this.waiters.set(id, [finish])
      if (!list) this.sendJson({ t: 'get', segment: id })
    })
  }

  /** Tells the peer about a segment we just got. */
  announce (id: string): void {
    if (this.ready) this.sendJson({ t: 'have+', segment: id })
  }

  /** Sends the whole list again (uploading was turned back on). */
  announceAll (): void {
    if (this.ready) this.sendJson({ t: 'have', segments: this.host.haveList() })
  }

  /** Requests waiting on this peer (policy.HolderView). */
  get pending (): number {
    return this.waiters.size
  }

  close (): void {
    if (this.closed) return
    this.closed = true
    this.ready = false
    window.clearTimeout(this.connectTimer)
    for (const list of [...this.waiters.values()]) for (const finish of [...list]) finish(null)
    this.waiters.clear()
    try { this.channel?.close() } catch { /* already closed */ }
    try { this.pc.close() } catch { /* already closed */ }
    this.host.peerClosed(this)
  }

  private attach (channel: RTCDataChannel): void {
    this.channel = channel
    channel.binaryType = 'arraybuffer'
    channel.bufferedAmountLowThreshold = LOW_WATER_BYTES
    // The connect timer runs on until the peer's 'have' makes it ready: a link open on one side only is given up too.
    let opened = false
    const onOpen = (): void => {
      if (opened || this.closed) return
      opened = true
      this.sendJson({ t: 'have', segments: this.host.haveList(), age: Math.round(this.host.joinedAgo(this.swarmId)) })
      this.host.peerOpened(this)
    }
    channel.onopen = onOpen
    channel.onclose = () => this.close()
    channel.onerror = () => this.close()
    channel.onmessage = e => {
      try {
        if (typeof e.data === 'string') this.onControl(e.data)
        else if (e.data instanceof ArrayBuffer) this.onChunk(e.data)
        else this.close()
      } catch (err) {
        console.info('p2p: broken message from a peer', err)
        this.close()
      }
    }
    // A channel the remote side made can already be open when 'datachannel' fires (Chromium under load): no 'open' event
    // follows then, and without our 'have' the peer would never count us as ready.
    if (channel.readyState === 'open') queueMicrotask(onOpen)
  }

  private async flushCandidates (): Promise<void> {
    this.remoteDescriptionSet = true
    for (const c of this.pendingCandidates.splice(0)) {
      try { await this.pc.addIceCandidate(c) } catch { /* a stale candidate */ }
    }
  }

  private sendJson (message: Record<string, unknown>): void {
    if (this.channel?.readyState !== 'open') return
    try { this.channel.send(JSON.stringify(message)) } catch { this.close() }
  }

  private onControl (text: string): void {
    if (text.length > MAX_CONTROL_CHARS) return this.close()
    const m = JSON.parse(text) as { t?: unknown, segment?: unknown, segments?: unknown, size?: unknown, age?: unknown }
    const id = typeof m.segment === 'string' ? m.segment : null
    switch (m.t) {
      case 'have':
        this.segments.clear()
        if (Array.isArray(m.segments)) for (const s of m.segments) if (typeof s === 'string') this.segments.add(s)
        if (typeof m.age === 'number' && Number.isFinite(m.age) && m.age >= 0) this.joinedAt = performance.now() - m.age
        if (!this.ready) {
          this.ready = true
          window.clearTimeout(this.connectTimer)
        }
        this.host.peerAnnounced(this, null)
        break
      case 'have+':
        if (id) {
          this.segments.add(id)
          this.host.peerAnnounced(this, id)
        }
        break
      case 'get':
        if (id && this.host.requested(this, id) === 'busy') this.sendJson({ t: 'busy', segment: id })
        break
      case 'cancel':
        if (id) this.host.cancelled(this, id)
        break
      case 'busy':
        // It has the segment but no upload slot for us now: ask someone else (or HTTP), and this peer later.
        if (id) {
          this.busyUntil = performance.now() + BUSY_BACKOFF_MS
          this.resolveWaiters(id, null)
        }
        break
      case 'data': {
        if (this.incoming) return this.close() // a new header before the last segment's bytes were all there
        const size = typeof m.size === 'number' ? m.size : -1
        if (!id || !Number.isInteger(size) || size < 0 || size > MAX_SEGMENT_BYTES) return this.close()
        this.incoming = { id, size, received: 0, buffer: new Uint8Array(size) }
        if (size === 0) this.completeIncoming()
        break
      }
      case 'none':
        if (id) {
          this.segments.delete(id)
          this.resolveWaiters(id, null)
        }
        break
      default:
        // Unknown messages are ignored: a later version may add some.
        break
    }
  }

  private onChunk (chunk: ArrayBuffer): void {
    const incoming = this.incoming
    if (!incoming || incoming.received + chunk.byteLength > incoming.size) return this.close()
    incoming.buffer.set(new Uint8Array(chunk), incoming.received)
    incoming.received += chunk.byteLength
    if (incoming.received === incoming.size) this.completeIncoming()
  }

  private completeIncoming (): void {
    const incoming = this.incoming
    if (!incoming) return
    this.incoming = null
    this.lastUseful = performance.now()
    // Not asked for any more (cancelled after a time-out): dropped; the manager verifies what it asked for.
    this.resolveWaiters(incoming.id, incoming.buffer.buffer as ArrayBuffer)
  }

  private resolveWaiters (id: string, data: ArrayBuffer | null): void {
    const list = this.waiters.get(id)
    if (!list) return
    for (const finish of [...list]) finish(data)
  }

  /** Sends one segment the peer asked for (the manager's upload queue decides when), respecting the channel's buffer. */
  async send (id: string): Promise<void> {
    const channel = this.channel
    if (this.closed || !channel || channel.readyState !== 'open') return
    try {
      const data = this.host.segmentToSend(id)
      if (!data) {
        this.sendJson({ t: 'none', segment: id })
        return
      }
      let bytes = new Uint8Array(data)
      if (this.host.tamper()) {
        // Test hook only: flip bits in a copy so the receiver's sha256 check fails.
        bytes = bytes.slice()
        for (let i = 0; i < bytes.length; i += 997) bytes[i] ^= 0xff
      }
      const started = performance.now()
      this.sendJson({ t: 'data', segment: id, size: bytes.byteLength })
      for (let offset = 0; offset < bytes.byteLength; offset += CHUNK_BYTES) {
        if (channel.bufferedAmount > HIGH_WATER_BYTES) await this.drained(channel)
        if (this.closed || channel.readyState !== 'open') return
        channel.send(bytes.subarray(offset, offset + CHUNK_BYTES))
      }
      // The upload slot is held until the segment has left (not merely been queued in the channel): one at a time
      // means one on the wire at a time, and the time measures our upload rate.
      if (channel.bufferedAmount > 0) {
        channel.bufferedAmountLowThreshold = 0
        // Bounded: a peer whose channel stalls must not keep our only upload slot.
        try {
          await Promise.race([this.drained(channel), new Promise(resolve => window.setTimeout(resolve, DRAIN_TIMEOUT_MS))])
        } finally {
          channel.bufferedAmountLowThreshold = LOW_WATER_BYTES
        }
      }
      if (this.closed) return
      this.lastUseful = performance.now()
      this.host.uploaded(this, bytes.byteLength, this.lastUseful - started)
    } catch (err) {
      console.info('p2p: sending to a peer failed', err)
      this.close()
    }
  }

  private drained (channel: RTCDataChannel): Promise<void> {
    return new Promise(resolve => {
      const done = (): void => {
        channel.removeEventListener('bufferedamountlow', done)
        channel.removeEventListener('close', done)
        resolve()
      }
      channel.addEventListener('bufferedamountlow', done)
      channel.addEventListener('close', done)
    })
  }
}
