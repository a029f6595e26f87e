// Snapshot: zstd table snapshots with manifests (see README).
