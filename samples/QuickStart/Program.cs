using FaceParse.Imaging;
using FaceParse.Inference;

namespace FaceParse.Samples;

public static class QuickStart
{
    // dotnet run --project samples/QuickStart -- photo.jpg out/ [model]
    public static void Main(string[] args) => Run(args[0], args[1], args.Length > 2 ? args[2] : "default");

    public static void Run(string photoPath, string outFolder, string model)
    {
        var parser = FaceParser.Load(model);            // "default", a registered name, or a .safetensors path
        Image photo = ImageCodec.Load(photoPath).Image;
        ParseResult result = parser.Parse(photo);        // one class id per pixel, aligned with the photo
        Directory.CreateDirectory(outFolder);
        File.WriteAllBytes(Path.Combine(outFolder, "labels.png"), result.ToPng()); // palette PNG: index = class id
        ImageCodec.Save(Path.Combine(outFolder, "overlay.png"), result.Overlay(photo));
        Console.WriteLine(string.Join(", ", result.PresentClasses.Select(c => c.Name)));
    }
}
