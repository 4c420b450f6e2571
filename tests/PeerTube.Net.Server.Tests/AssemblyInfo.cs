// Each test class runs real ffmpeg on two cores; one collection runs them one at a time, which is as fast and far steadier.
[assembly: CollectionBehavior(CollectionBehavior.CollectionPerAssembly)]
