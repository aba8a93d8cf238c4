using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceParse.Training;

/// <summary>One row of the training log.</summary>
/// <param name="Epoch">Epochs completed (1-based).</param>
/// <param name="Step">Global optimiser step at the end of the epoch.</param>
/// <param name="TrainLoss">Mean training loss of the epoch.</param>
/// <param name="ValMeanF1">Validation mean F1 (foreground classes), or null in an epoch without validation.</param>
/// <param name="ValMiou">Validation mIoU, or null in an epoch without validation.</param>
/// <param name="Lr">Learning rate at the end of the epoch.</param>
/// <param name="Seconds">Wall-clock seconds of the epoch (training and validation).</param>
/// <param name="ImagesPerS">Training throughput.</param>
internal sealed record EpochMetrics(int Epoch, long Step, double TrainLoss, double? ValMeanF1, double? ValMiou, double Lr, double Seconds, double ImagesPerS);

/// <summary>The per-epoch log of a run directory: <c>metrics.csv</c> (one appended row per epoch), <c>metrics.json</c> (all rows,
/// rewritten) and <c>curve.svg</c> (loss and validation mean F1 per epoch, rewritten; see <see cref="CurveSvg"/>).</summary>
/// <remarks>Opening an existing run reads <c>metrics.json</c>; on resume call <see cref="TruncateAfter"/> with the checkpoint's
/// epoch so rows of epochs the checkpoint does not contain (from a run killed after logging) are dropped. The JSON and SVG files
/// are replaced atomically.</remarks>
internal sealed class TrainingLog
{
    public const string CsvFileName = "metrics.csv";
    public const string JsonFileName = "metrics.json";
    public const string SvgFileName = "curve.svg";
    public const string CsvHeader = "epoch,step,train_loss,val_mean_f1,val_miou,lr,seconds,images_per_s";

    private static readonly JsonSerializerOptions Json = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, WriteIndented = true };
    private readonly List<EpochMetrics> _rows = [];

    public TrainingLog(string runDir)
    {
        RunDir = Path.GetFullPath(runDir);
        Directory.CreateDirectory(RunDir);
        if (File.Exists(JsonPath))
        {
            try { _rows.AddRange(JsonSerializer.Deserialize<List<EpochMetrics>>(File.ReadAllText(JsonPath), Json) ?? []); }
            catch (JsonException e) { throw new InvalidDataException($"{JsonPath} is not a metrics log: {e.Message}", e); }
        }
    }

    public string RunDir { get; }
    public string CsvPath => Path.Combine(RunDir, CsvFileName);
    public string JsonPath => Path.Combine(RunDir, JsonFileName);
    public string SvgPath => Path.Combine(RunDir, SvgFileName);
    public IReadOnlyList<EpochMetrics> Rows => _rows;

    /// <summary>Records one epoch: appends its CSV row (with the header for a new file) and rewrites the JSON and the SVG.</summary>
    public void Append(EpochMetrics row)
    {
        ArgumentNullException.ThrowIfNull(row);
        _rows.Add(row);
        bool fresh = !File.Exists(CsvPath) || new FileInfo(CsvPath).Length == 0;
        File.AppendAllText(CsvPath, (fresh ? CsvHeader + "\n" : "") + CsvRow(row) + "\n");
        WriteSummaries();
    }

    /// <summary>Keeps only rows with <c>Epoch ≤ epoch</c> and rewrites all three files.</summary>
    public void TruncateAfter(int epoch)
    {
        _rows.RemoveAll(r => r.Epoch > epoch);
        var csv = new StringBuilder(CsvHeader).Append('\n');
        foreach (var row in _rows) csv.Append(CsvRow(row)).Append('\n');
        AtomicFile.WriteText(CsvPath, csv.ToString());
        WriteSummaries();
    }

    public static string CsvRow(EpochMetrics r) => string.Join(",",
        Format(r.Epoch), Format(r.Step), Format(r.TrainLoss), Format(r.ValMeanF1), Format(r.ValMiou), Format(r.Lr), Format(r.Seconds), Format(r.ImagesPerS));

    private void WriteSummaries()
    {
        AtomicFile.WriteText(JsonPath, JsonSerializer.Serialize(_rows, Json));
        AtomicFile.WriteText(SvgPath, CurveSvg.Render(_rows));
    }

    private static string Format(long v) => v.ToString(CultureInfo.InvariantCulture);

    private static string Format(double? v) => v is { } d ? d.ToString("R", CultureInfo.InvariantCulture) : "";
}
