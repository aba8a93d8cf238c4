using BenchmarkDotNet.Running;

// BenchmarkDotNet micro-benchmarks of the kernels: dotnet run -c Release --project bench/FaceParse.Bench -- --filter '*'
if (args.Length > 0 && args[0] == "fp-liif-profile")
{
    FaceParse.Bench.FpLiifProfile.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "train-profile")
{
    FaceParse.Bench.TrainProfile.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "segment-profile")
{
    FaceParse.Bench.SegmentProfile.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "segface-phases")
{
    FaceParse.Bench.SegFacePhases.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "fp-liif-phases")
{
    FaceParse.Bench.FpLiifPhases.Run(args[1..]);
    return;
}
if (args.Length > 0 && args[0] == "core-contention")
{
    FaceParse.Bench.CoreContention.Run(args[1..]);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
