// The baseline of the P2P benchmark: hls.js + p2p-media-loader (PeerTube's loader), nothing else.
// Query: src (master playlist), tracker (ws:// announce URL), swarm (swarmId), sha256 (segments-sha256.json URL, optional),
// autoplay (1 or 0), core (JSON merged into the core config, optional: the library's defaults otherwise).
// The bench reads window.p2pmlStats().
import Hls from 'hls.js'
import { HlsJsP2PEngine } from 'p2p-media-loader-hlsjs'

const query = new URLSearchParams(location.search)
const video = document.getElementById('video')

const stats = {
  httpBytes: 0,
  p2pBytes: 0,
  uploadedBytes: 0,
  httpSegments: 0,
  p2pSegments: 0,
  segmentErrors: 0,
  rejected: 0,
  trackerErrors: 0,
  peersByStream: { main: new Set(), secondary: new Set() },
  maxPeers: 0,
  level: '?'
}

// As PeerTube does with p2p-media-loader: a segment from a peer is checked against the video's segments-sha256.json.
// Its keys are "{file name}" → "{start}-{end}" (end inclusive) → hex sha256.
let hashes = null
if (query.get('sha256')) {
  hashes = fetch(query.get('sha256')).then(r => r.json())
}

async function validateP2PSegment (url, byteRange, data) {
  if (!hashes) return true
  const table = await hashes
  const file = new URL(url, location.href).pathname.split('/').pop()
  const key = byteRange ? `${byteRange.start}-${byteRange.end}` : null
  const expected = key ? table[file]?.[key] : undefined
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', data))
  const actual = Array.from(digest, b => b.toString(16).padStart(2, '0')).join('')
  const ok = expected === actual
  if (!ok) stats.rejected++
  return ok
}

const HlsWithP2P = HlsJsP2PEngine.injectMixin(Hls)
const hls = new HlsWithP2P({
  p2p: {
    core: {
      announceTrackers: [query.get('tracker')],
      swarmId: query.get('swarm'),
      // Loopback only, as our player's default (no ICE servers): host candidates are enough.
      rtcConfig: { iceServers: [] },
      validateP2PSegment,
      ...JSON.parse(query.get('core') ?? '{}')
    },
    onHlsJsCreated (instance) {
      const engine = instance.p2pEngine
      engine.addEventListener('onChunkDownloaded', (bytes, source) => {
        if (source === 'p2p') stats.p2pBytes += bytes
        else stats.httpBytes += bytes
      })
      engine.addEventListener('onChunkUploaded', bytes => { stats.uploadedBytes += bytes })
      engine.addEventListener('onSegmentLoaded', details => {
        if (details.downloadSource === 'p2p') stats.p2pSegments++
        else stats.httpSegments++
      })
      engine.addEventListener('onSegmentError', () => { stats.segmentErrors++ })
      engine.addEventListener('onTrackerError', e => { stats.trackerErrors++; console.error('tracker error', e?.error?.message ?? e) })
      engine.addEventListener('onPeerConnect', p => {
        const set = stats.peersByStream[p.streamType] ?? stats.peersByStream.main
        set.add(p.peerId)
        stats.maxPeers = Math.max(stats.maxPeers, set.size)
      })
      engine.addEventListener('onPeerClose', p => {
        (stats.peersByStream[p.streamType] ?? stats.peersByStream.main).delete(p.peerId)
      })
    }
  }
})

hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => { stats.level = String(hls.levels[data.level]?.height ?? '?') })
hls.on(Hls.Events.ERROR, (_e, data) => { if (data.fatal) console.error('hls.js fatal error', data.type, data.details) })
hls.attachMedia(video)
hls.loadSource(query.get('src'))
if (query.get('autoplay') !== '0') {
  hls.on(Hls.Events.MANIFEST_PARSED, () => { video.play().catch(e => console.error('play()', e.message)) })
}

window.p2pmlStats = () => ({
  httpBytes: stats.httpBytes,
  p2pBytes: stats.p2pBytes,
  uploadedBytes: stats.uploadedBytes,
  httpSegments: stats.httpSegments,
  p2pSegments: stats.p2pSegments,
  segmentErrors: stats.segmentErrors,
  rejected: stats.rejected,
  trackerErrors: stats.trackerErrors,
  peers: stats.peersByStream.main.size,
  maxPeers: stats.maxPeers,
  level: stats.level
})
