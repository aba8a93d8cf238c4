using System.Globalization;
using System.Security;
using System.Text;

namespace FaceParse.Training;

/// <summary>A small hand-written SVG training curve: two stacked panels sharing the epoch axis, training loss on top and
/// validation mean F1 below, each with its own y axis, ticks, grid lines and a legend entry.</summary>
/// <remarks>The polylines have ids <c>train-loss</c> and <c>val-mean-f1</c> and one point per epoch that has a finite value
/// (epochs without validation are skipped in the F1 line). A panel without data shows a "no data yet" note instead.</remarks>
internal static class CurveSvg
{
    private const int Width = 640, PanelHeight = 220, Left = 64, Right = 16, Top = 40, Gap = 48, Bottom = 40;
    private const string LossColour = "#d62728", F1Colour = "#1f77b4";

    public static string Render(IReadOnlyList<EpochMetrics> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int height = Top + 2 * PanelHeight + Gap + Bottom;
        var svg = new StringBuilder();
        svg.Append(Invariant($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{height}\" viewBox=\"0 0 {Width} {height}\" "))
            .Append("font-family=\"sans-serif\" font-size=\"11\">\n")
            .Append(Invariant($"<rect width=\"{Width}\" height=\"{height}\" fill=\"white\"/>\n"));
        Legend(svg);
        var (xMin, xMax) = rows.Count == 0 ? (0, 1) : (rows.Min(r => r.Epoch), rows.Max(r => r.Epoch));
        var loss = rows.Where(r => double.IsFinite(r.TrainLoss)).Select(r => (r.Epoch, r.TrainLoss)).ToList();
        var f1 = rows.Where(r => r.ValMeanF1 is { } v && double.IsFinite(v)).Select(r => (r.Epoch, r.ValMeanF1!.Value)).ToList();
        Panel(svg, Top, "train loss", "train-loss", LossColour, loss, xMin, xMax);
        Panel(svg, Top + PanelHeight + Gap, "val mean F1", "val-mean-f1", F1Colour, f1, xMin, xMax);
        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static void Legend(StringBuilder svg)
    {
        svg.Append("<g id=\"legend\">\n");
        int x = Left;
        foreach (var (label, colour) in new[] { ("train loss", LossColour), ("val mean F1", F1Colour) })
        {
            svg.Append(Invariant($"<line x1=\"{x}\" y1=\"16\" x2=\"{x + 20}\" y2=\"16\" stroke=\"{colour}\" stroke-width=\"2\"/>"))
                .Append(Invariant($"<text x=\"{x + 26}\" y=\"20\">{label}</text>\n"));
            x += 130;
        }
        svg.Append("</g>\n");
    }

    // One panel at vertical offset `top`: frame, y ticks with grid lines, x (epoch) ticks, the polyline.
    private static void Panel(StringBuilder svg, int top, string title, string id, string colour, List<(int Epoch, double Value)> points, int xMin, int xMax)
    {
        int plotWidth = Width - Left - Right;
        svg.Append(Invariant($"<g id=\"{id}-panel\">\n"))
            .Append(Invariant($"<rect x=\"{Left}\" y=\"{top}\" width=\"{plotWidth}\" height=\"{PanelHeight}\" fill=\"none\" stroke=\"#444\"/>\n"))
            .Append(Invariant($"<text x=\"{Left}\" y=\"{top - 6}\" font-weight=\"bold\">{SecurityElement.Escape(title)}</text>\n"));
        double yMin = points.Count == 0 ? 0 : points.Min(p => p.Value), yMax = points.Count == 0 ? 1 : points.Max(p => p.Value);
        var yTicks = Ticks(yMin, yMax);
        (yMin, yMax) = (yTicks[0], yTicks[^1]);
        double X(double epoch) => Left + (xMax == xMin ? plotWidth / 2.0 : (epoch - xMin) / (xMax - xMin) * plotWidth);
        double Y(double value) => top + PanelHeight - (yMax == yMin ? PanelHeight / 2.0 : (value - yMin) / (yMax - yMin) * PanelHeight);
        foreach (double t in yTicks)
        {
            double y = Y(t);
            svg.Append(Invariant($"<line x1=\"{Left - 4}\" y1=\"{y:0.##}\" x2=\"{Left + plotWidth}\" y2=\"{y:0.##}\" stroke=\"#ddd\"/>"))
                .Append(Invariant($"<text x=\"{Left - 6}\" y=\"{y + 4:0.##}\" text-anchor=\"end\">{t:G4}</text>\n"));
        }
        foreach (double t in Ticks(xMin, xMax).Where(t => t >= xMin && t <= xMax && t == Math.Floor(t)))
        {
            double x = X(t);
            svg.Append(Invariant($"<line x1=\"{x:0.##}\" y1=\"{top + PanelHeight}\" x2=\"{x:0.##}\" y2=\"{top + PanelHeight + 4}\" stroke=\"#444\"/>"))
                .Append(Invariant($"<text x=\"{x:0.##}\" y=\"{top + PanelHeight + 16}\" text-anchor=\"middle\">{t:G6}</text>\n"));
        }
        svg.Append(Invariant($"<text x=\"{Left + plotWidth / 2}\" y=\"{top + PanelHeight + 32}\" text-anchor=\"middle\">epoch</text>\n"));
        if (points.Count == 0)
            svg.Append(Invariant($"<text x=\"{Left + plotWidth / 2}\" y=\"{top + PanelHeight / 2}\" text-anchor=\"middle\" fill=\"#888\">no data yet</text>\n"));
        else
            svg.Append(Invariant($"<polyline id=\"{id}\" fill=\"none\" stroke=\"{colour}\" stroke-width=\"2\" points=\""))
                .AppendJoin(' ', points.Select(p => Invariant($"{X(p.Epoch):0.##},{Y(p.Value):0.##}")))
                .Append("\"/>\n");
        svg.Append("</g>\n");
    }

    /// <summary>"Nice" tick values (steps of 1, 2 or 5 × 10^k) covering [min, max], about five of them.</summary>
    public static double[] Ticks(double min, double max)
    {
        if (!(max > min))
        {
            double pad = Math.Abs(min) > 0 ? Math.Abs(min) * 0.1 : 1;
            (min, max) = (min - pad, max + pad);
        }
        double raw = (max - min) / 4, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw))), fraction = raw / magnitude;
        double step = (fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10) * magnitude;
        double first = Math.Floor(min / step) * step, last = Math.Ceiling(max / step) * step;
        int count = (int)Math.Round((last - first) / step) + 1;
        return [.. Enumerable.Range(0, count).Select(i => Math.Round(first + i * step, 12))];
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
