using System.CommandLine;
using System.Text.Json;
using FaceParse.Imaging;

namespace FaceParse.Cli;

/// <summary>`faceparse image convert|info`: the imaging codecs from the command line. The input format is detected from
/// the bytes; the output format is chosen by the output file's extension.</summary>
internal static class ImageCommand
{
    public static Command Create()
    {
        var command = new Command("image", "Convert images between PNG, JPEG, BMP and Netpbm, and show their header facts.");
        command.Subcommands.Add(CreateConvert());
        command.Subcommands.Add(CreateInfo());
        return command;
    }

    private static Command CreateConvert()
    {
        var input = new Argument<string>("in") { Description = "Input image (PNG, JPEG, BMP, PGM/PPM/PAM; detected from its bytes)." };
        var output = new Argument<string>("out") { Description = "Output image; .png .jpg/.jpeg .bmp .ppm .pgm .pam .pnm picks the format." };
        var quality = new Option<int>("--quality") { Description = "JPEG quality 1..100.", DefaultValueFactory = _ => 90 };
        var noOrient = new Option<bool>("--no-orient") { Description = "Keep JPEG pixels as stored instead of applying the EXIF orientation." };
        var command = new Command("convert", "Decode any supported image and write it in the format of the output extension.")
        {
            input, output, quality, noOrient,
        };
        command.SetAction(result =>
        {
            string source = result.GetValue(input)!, target = result.GetValue(output)!;
            int q = result.GetValue(quality);
            if (q is < 1 or > 100) throw new ArgumentException($"--quality must be 1..100, got {q}");
            if (!ImageCodec.CanSave(target))
                throw new ArgumentException($"{target}: unsupported output extension (use .png, .jpg, .jpeg, .bmp, .ppm, .pgm, .pam or .pnm)");
            var image = ImageCodec.Load(source, new ImageDecodeOptions { ApplyExifOrientation = !result.GetValue(noOrient) });
            ImageCodec.Save(target, image, new ImageEncodeOptions { JpegQuality = q });
            Console.WriteLine($"{source} ({image.Info.Format}) -> {target}: {image.Width}x{image.Height}, {image.Channels} channel(s)");
            return 0;
        });
        return command;
    }

    private static Command CreateInfo()
    {
        var file = new Argument<string>("file") { Description = "Image file (the format is detected from its bytes)." };
        var json = new Option<bool>("--json") { Description = "Print JSON instead of text." };
        var command = new Command("info", "Show format, size, channels, bit depth, progressive/interlaced and orientation.") { file, json };
        command.SetAction(result =>
        {
            string path = result.GetValue(file)!;
            var facts = Describe(path, ImageCodec.ReadInfo(path));
            if (result.GetValue(json))
                Console.WriteLine(JsonSerializer.Serialize(facts));
            else
                foreach (var (key, value) in facts) Console.WriteLine($"{key,-12} {Text(value)}");
            return 0;
        });
        return command;
    }

    /// <summary>The facts in print order; subsampling is null for formats without it.</summary>
    private static Dictionary<string, object?> Describe(string path, ImageInfo info) => new()
    {
        ["file"] = path,
        ["format"] = info.Format.ToString().ToLowerInvariant(),
        ["width"] = info.Width,
        ["height"] = info.Height,
        ["color_model"] = info.ColorModel.ToString().ToLowerInvariant(),
        ["channels"] = info.SourceChannels,
        ["bit_depth"] = info.BitDepth,
        ["progressive"] = info.Progressive,
        ["interlaced"] = info.Interlaced,
        ["orientation"] = info.Orientation,
        ["subsampling"] = info.Subsampling,
    };

    private static string Text(object? value) => value switch
    {
        null => "-",
        bool b => b ? "yes" : "no",
        _ => value.ToString()!,
    };
}
