using BenchmarkDotNet.Running;

// Profiles and comparisons by name (each class's summary has its command line); anything else goes to BenchmarkDotNet's
// micro-benchmarks of the kernels: dotnet run -c Release --project bench/FaceParse.Bench -- --filter '*'
var tools = new Dictionary<string, Action<string[]>>
{
    ["fp-liif-profile"] = FaceParse.Bench.FpLiifProfile.Run,
    ["fp-liif-phases"] = FaceParse.Bench.FpLiifPhases.Run,
    ["train-profile"] = FaceParse.Bench.TrainProfile.Run,
    ["segment-profile"] = FaceParse.Bench.SegmentProfile.Run,
    ["segface-phases"] = FaceParse.Bench.SegFacePhases.Run,
    ["core-contention"] = FaceParse.Bench.CoreContention.Run,
};
if (args.Length > 0 && tools.TryGetValue(args[0], out var tool))
{
    tool(args[1..]);
    return;
}
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
