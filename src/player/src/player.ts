// Entry of /client/player.js: mounts the player on #pt-player (docs/web-contract.md, "Player mount").
import './player/player.css'
import { readConfig, type PlayerConfig } from './player/config'
import type { PlayerCore } from './player/core'
import type { P2PStats } from './p2p/manager'
import { startEmbedApi, type EmbedApi } from './player/embed-api'
import { askVideoPassword } from './player/password'
import { mountPlayer } from './player/ui'
import { PlaylistPlayer, readPlaylist } from './player/playlist'

declare global {
  interface Window {
    /** For debugging from the console; not part of the contract. */
    peertubePlayer?: {
      core: PlayerCore
      embedApi: EmbedApi | null
      /** Peer-to-peer counters (the P2P browser tests read them): bytes over HTTP / from peers / sent, open peers. */
      p2pStats: () => P2PStats
      /** A live's distance to its edge and the distance aimed at (s); null when not live (bench --live reads it). */
      liveEdge: () => { latency: number, target: number, syncPosition: number } | null
      /** TEST HOOK ONLY (tests/PeerTube.Net.Browser.Tests/P2PTests.cs): when true, segments sent to peers are corrupted. */
      __p2pTamper?: boolean
    }
  }
}

function main (): void {
  const mount = document.getElementById('pt-player')
  if (!mount) return

  let config: PlayerConfig
  try {
    config = readConfig(mount)
  } catch (err) {
    start(mount, null, err)
    return
  }

  // A password-protected video: the player starts once a right password has been traded for a file token.
  if (config.passwordRequired) {
    void askVideoPassword(mount, config.uuid).then(token => {
      mount.classList.remove('pt-locked')
      start(mount, { ...config, passwordRequired: false, videoFileToken: token })
    })
    return
  }

  start(mount, config)
}

function start (mount: HTMLElement, config: PlayerConfig | null, configError?: unknown): void {
  let core: PlayerCore
  let playlist: PlaylistPlayer | null = null
  try {
    if (!config) throw configError
    const items = readPlaylist(mount)
    if (items) {
      // A playlist embed: the next video plays in place, and the embed API follows it.
      playlist = new PlaylistPlayer(mount, items.items, items.index, next => {
        window.peertubePlayer?.embedApi?.follow(next)
        if (window.peertubePlayer) window.peertubePlayer.core = next
      })
      core = playlist.core
    } else {
      core = mountPlayer(mount, config)
    }
  } catch (err) {
    console.error('player: cannot start', err)
    const error = document.createElement('div')
    error.className = 'pt-error'
    error.setAttribute('role', 'alert')
    error.textContent = 'The player could not start.'
    mount.classList.add('pt-player', 'pt-has-error')
    mount.replaceChildren(error)
    return
  }

  const embedApi = core.config.options.api ? startEmbedApi(core, playlist) : null
  window.peertubePlayer = {
    core,
    embedApi,
    p2pStats: () => core.p2p?.stats() ?? { httpBytes: 0, p2pBytes: 0, uploadedBytes: 0, peers: 0, rejected: 0 },
    liveEdge: () => core.liveEdge()
  }
}

// A module script runs after parsing, but the server might also load it with async.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main, { once: true })
else main()
