using BenchmarkDotNet.Running;

// BenchmarkDotNet micro-benchmarks of the kernels: dotnet run -c Release --project bench/FaceParse.Bench -- --filter '*'
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
