using System.Diagnostics;
using System.Globalization;
using FaceParse.Training;
using Spectre.Console;

namespace FaceParse.Cli;

/// <summary>Shows training progress on stderr: a live Spectre.Console bar when stderr is an interactive terminal, otherwise
/// (CI, nohup, a log file) one plain line every <see cref="PlainInterval"/> plus the first and last step of each epoch.
/// Event lines (validation, checkpoints) are printed in both modes.</summary>
internal sealed class TrainProgressDisplay
{
    private readonly TextWriter _writer;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastLine = TimeSpan.MinValue;

    public TrainProgressDisplay(TextWriter writer, bool live, TimeSpan plainInterval)
    {
        _writer = writer;
        Live = live;
        PlainInterval = plainInterval;
    }

    public bool Live { get; }
    public TimeSpan PlainInterval { get; }

    /// <summary>True when stderr is a terminal that can redraw a live display.</summary>
    public static bool CanRenderLive() =>
        !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") is not "dumb" && Environment.GetEnvironmentVariable("CI") is null;

    /// <summary>Runs <paramref name="work"/> with a progress sink and a line sink wired to the display.</summary>
    public T Run<T>(Func<IProgress<TrainingProgress>, Action<string>, T> work)
    {
        if (!Live) return work(new Sink(ReportPlain), Line);
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_writer) });
        return console.Progress()
            .AutoClear(false)
            .Columns(new ProgressBarColumn(), new PercentageColumn(), new TaskDescriptionColumn { Alignment = Justify.Left })
            .Start(context =>
            {
                var task = context.AddTask("starting ...", maxValue: 1);
                return work(new Sink(p =>
                {
                    task.Value = p.Fraction;
                    task.Description = Markup.Escape(Describe(p));
                }), line => console.WriteLine(line));
            });
    }

    /// <summary>One line of progress: epoch, step, loss, throughput, ETA.</summary>
    public static string Describe(TrainingProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {p.Epoch + 1}/{p.Epochs}  step {p.Step}/{p.StepsPerEpoch}  loss {p.Loss:F4} (avg {p.AverageLoss:F4})  " +
        $"{p.ImagesPerSecond:F1} img/s  lr {p.LearningRate:0.###e+0}  ETA {(p.Eta is { } eta ? FormatSpan(eta) : "-")}");

    public void Line(string text)
    {
        _writer.WriteLine(text);
        _writer.Flush();
    }

    private void ReportPlain(TrainingProgress p)
    {
        var now = _clock.Elapsed;
        if (p.Step != 1 && p.Step != p.StepsPerEpoch && now - _lastLine < PlainInterval) return;
        _lastLine = now;
        Line($"[{FormatSpan(now)}] {Describe(p)}");
    }

    private static string FormatSpan(TimeSpan t) =>
        string.Create(CultureInfo.InvariantCulture, $"{(int)t.TotalHours}:{t.Minutes:D2}:{t.Seconds:D2}");

    // Synchronous IProgress: reports arrive on the training thread, in order (Progress<T> would post them to the thread pool).
    private sealed class Sink(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
