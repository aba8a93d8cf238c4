namespace FaceParse.Server;

/// <summary>`dotnet run --project src/FaceParse.Server -- --urls http://127.0.0.1:5000 --FaceParse:Models:0=default`; the CLI's
/// `faceparse serve` builds the same application from its flags.</summary>
public sealed class Program
{
    public static void Main(string[] args) => ServerApp.Create(args).Run();
}
