return FaceParse.Cli.CliApp.Run(args);
