// One test at a time in this assembly. Why: TorchSharp 0.107 can free a temporary native Scalar while libtorch still
// reads it when a garbage collection lands mid-call (upstream dotnet/TorchSharp PR 1434). A GC is started by an
// allocating thread; with one training thread it happens between native calls, never during one. Tests training in
// parallel in one process make GCs land inside each other's calls (2 of 176 tests failed that way in one run).
[assembly: Xunit.CollectionBehavior(DisableTestParallelization = true)]
