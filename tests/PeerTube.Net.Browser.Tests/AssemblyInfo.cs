// Each story class runs real ffmpeg and a real Chromium on two cores; one collection runs them one at a time, which is as
// fast and far steadier.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
