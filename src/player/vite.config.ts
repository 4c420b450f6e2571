import { defineConfig } from 'vite'

// One bundle per page script, served by the server at /client/ (see docs/web-contract.md).
// File names carry no hash: the Razor pages reference /client/player.js etc. by fixed name,
// and the server decides caching. Shared code goes to chunks/ (hashed, so it can be cached forever).
export default defineConfig({
  base: '/client/',
  // Nothing is served from a public/ folder: every file in dist comes from the bundle.
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // The pages use <script type="module">, so modern syntax is fine; es2020 keeps Safari 14 working.
    target: 'es2020',
    // hls.js alone is ~400 kB minified; that is expected for a video player.
    chunkSizeWarningLimit: 1024,
    rollupOptions: {
      onwarn (warning, warn) {
        // @microsoft/signalr's ESM build has /*#__PURE__*/ comments rollup can't place: harmless noise.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('node_modules')) return
        warn(warning)
      },
      input: {
        player: 'src/player.ts',
        pages: 'src/pages.ts',
        upload: 'src/upload.ts'
      },
      output: {
        entryFileNames: '[name].js',
        chunkFileNames: 'chunks/[name]-[hash].js',
        // CSS imported by player.ts becomes dist/player.css (the name of its entry).
        assetFileNames: '[name][extname]'
      }
    }
  }
})
