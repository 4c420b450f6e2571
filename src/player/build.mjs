#!/usr/bin/env node
// Builds dist/ for the server's MSBuild target (src/PeerTube.Net.Server/PeerTube.Net.Server.csproj).
//
// MSBuild already skips this script when dist/.build-stamp is newer than every input, so this
// only runs when something changed. It exists (instead of two plain Exec tasks) because several
// builds may reach it at once: `dotnet build` of two test projects in parallel, or two solution
// nodes evaluating the server with different global properties. A lock directory serialises them,
// and the staleness check is repeated under the lock so the second one finds dist fresh and
// does nothing, rather than emptying dist/ while the first build's copy step is reading it.
//
// Steps: npm ci when node_modules is missing or older than package-lock.json; then
// `npm run build` (tsc + vite); then the stamp. Uses only node's standard library.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.dirname(fileURLToPath(import.meta.url))
const lockDir = path.join(root, '.build.lock')
const stamp = path.join(root, 'dist', '.build-stamp')
const installedLock = path.join(root, 'node_modules', '.package-lock.json')
const lockWaitLimitMs = 15 * 60 * 1000
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'

function mtime (file) {
  try { return fs.statSync(file).mtimeMs } catch { return -1 }
}

function newestInput () {
  let newest = 0
  const visit = (p) => {
    const st = fs.statSync(p)
    // A folder's mtime changes when a file in it is deleted or renamed, which file mtimes miss.
    newest = Math.max(newest, st.mtimeMs)
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) visit(path.join(p, e))
  }
  visit(path.join(root, 'src'))
  for (const f of ['package.json', 'package-lock.json', 'vite.config.ts', 'tsconfig.json', 'build.mjs']) {
    newest = Math.max(newest, mtime(path.join(root, f)))
  }
  return newest
}

function processAlive (pid) {
  try { process.kill(pid, 0); return true } catch (e) { return e.code === 'EPERM' }
}

function sleep (ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

// mkdir is atomic on every platform, so it is a portable lock. A lock whose owner died
// (killed build) is taken over; the owner's pid is written inside it for that check.
function acquireLock () {
  const started = Date.now()
  let announced = false
  for (;;) {
    try {
      fs.mkdirSync(lockDir)
      fs.writeFileSync(path.join(lockDir, 'pid'), String(process.pid))
      return
    } catch (e) {
      if (e.code !== 'EEXIST') throw e
    }
    let owner = NaN
    try { owner = Number(fs.readFileSync(path.join(lockDir, 'pid'), 'utf8')) } catch { /* being written */ }
    const age = Date.now() - mtime(lockDir)
    if ((Number.isInteger(owner) && owner > 0 && !processAlive(owner)) || age > lockWaitLimitMs) {
      console.log(`player: removing stale lock ${lockDir}`)
      fs.rmSync(lockDir, { recursive: true, force: true })
      continue
    }
    if (!announced) { console.log('player: another build holds the lock, waiting'); announced = true }
    if (Date.now() - started > lockWaitLimitMs) throw new Error(`timed out waiting for ${lockDir}`)
    sleep(500)
  }
}

function releaseLock () {
  fs.rmSync(lockDir, { recursive: true, force: true })
}

function run (args) {
  console.log(`player: npm ${args.join(' ')}`)
  // shell on Windows only: npm.cmd cannot be spawned directly there.
  const r = spawnSync(npm, args, { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} exited with ${r.status}`)
}

acquireLock()
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { releaseLock(); process.exit(130) })
try {
  if (mtime(installedLock) < mtime(path.join(root, 'package-lock.json'))) {
    run(['ci', '--no-audit', '--no-fund'])
    // npm ci rewrites node_modules/.package-lock.json, but make its mtime win even on coarse clocks.
    const now = new Date()
    fs.utimesSync(installedLock, now, now)
  }
  if (mtime(stamp) < newestInput()) {
    run(['run', 'build'])
    fs.writeFileSync(stamp, `built ${new Date().toISOString()}\n`)
  } else {
    console.log('player: dist is up to date')
  }
} finally {
  releaseLock()
}
