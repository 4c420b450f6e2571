// Entry of /client/player.js: mounts the player on #pt-player (docs/web-contract.md, "Player mount").
import './player/player.css'
import { readConfig } from './player/config'
import type { PlayerCore } from './player/core'
import { startEmbedApi, type EmbedApi } from './player/embed-api'
import { mountPlayer } from './player/ui'

declare global {
  interface Window {
    /** For debugging from the console; not part of the contract. */
    peertubePlayer?: { core: PlayerCore, embedApi: EmbedApi | null }
  }
}

function main (): void {
  const mount = document.getElementById('pt-player')
  if (!mount) return

  let core: PlayerCore
  try {
    core = mountPlayer(mount, readConfig(mount))
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

  const embedApi = core.config.options.api ? startEmbedApi(core) : null
  window.peertubePlayer = { core, embedApi }
}

// A module script runs after parsing, but the server might also load it with async.
if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', main, { once: true })
else main()
