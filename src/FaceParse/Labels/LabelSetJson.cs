using System.Text;
using System.Text.Json;

namespace FaceParse.Labels;

/// <summary>JSON dump of the label table: {"version", "sets": [{"name", "display_name", "sides", "description",
/// "classes": [{"id", "name", "display_name", "concept", "rgb": [r, g, b], "absorbs": [...]}]}]}.</summary>
internal static class LabelSetJson
{
    /// <summary>Every registered set.</summary>
    public static string Dump(bool indented = true) => Dump(LabelSets.All, indented);

    public static string Dump(IEnumerable<LabelSet> sets, bool indented = true)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            writer.WriteStartObject();
            writer.WriteString("version", LabelSets.Version);
            writer.WriteStartArray("sets");
            foreach (var set in sets) WriteSet(writer, set);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteSet(Utf8JsonWriter writer, LabelSet set)
    {
        writer.WriteStartObject();
        writer.WriteString("name", set.Name);
        writer.WriteString("display_name", set.DisplayName);
        writer.WriteString("sides", set.Sides == SideConvention.Subject ? "subject" : "image");
        writer.WriteString("description", set.Description);
        writer.WriteStartArray("classes");
        foreach (var c in set.Classes)
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", c.Id);
            writer.WriteString("name", c.Name);
            writer.WriteString("display_name", c.DisplayName);
            writer.WriteString("concept", c.Concept);
            writer.WriteStartArray("rgb");
            writer.WriteNumberValue(c.R);
            writer.WriteNumberValue(c.G);
            writer.WriteNumberValue(c.B);
            writer.WriteEndArray();
            writer.WriteStartArray("absorbs");
            foreach (var a in c.Absorbs) writer.WriteStringValue(a);
            writer.WriteEndArray();
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }
}
