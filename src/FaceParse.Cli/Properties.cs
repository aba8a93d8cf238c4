using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("FaceParse.Cli.Tests")]
