namespace FaceParse.Imaging.Netpbm;

/// <summary>A parsed P5/P6/P7 header: size, samples per pixel, maxval and where the raster starts.</summary>
internal sealed record PnmHeader(int Width, int Height, int Depth, int MaxValue, int RasterOffset)
{
    public int BytesPerSample => MaxValue > 255 ? 2 : 1;

    public ImageInfo ToInfo() => new(ImageFileFormat.Netpbm, Width, Height, Depth switch
    {
        1 => ImageColorModel.Gray,
        2 => ImageColorModel.GrayAlpha,
        3 => ImageColorModel.Rgb,
        _ => ImageColorModel.Rgba,
    }, MaxValue > 255 ? 16 : 8);

    public static PnmHeader Parse(ReadOnlySpan<byte> file, string? fileName)
    {
        if (!PnmDecoder.IsPnm(file)) throw new ImageFormatException("not a binary Netpbm file (P5, P6 or P7)", fileName);
        var tokens = new PnmTokenizer(file, 2, fileName);
        if (file[1] != '7')
        {
            int width = tokens.NextInt(), height = tokens.NextInt(), maxValue = tokens.NextInt();
            tokens.SkipSingleWhitespace();
            return Validated(width, height, file[1] == '5' ? 1 : 3, maxValue, tokens.Position, fileName);
        }
        int w = -1, h = -1, depth = -1, max = -1;
        string? tupleType = null;
        while (true)
        {
            string key = tokens.NextWord();
            if (key == "ENDHDR") break;
            switch (key)
            {
                case "WIDTH": w = tokens.NextInt(); break;
                case "HEIGHT": h = tokens.NextInt(); break;
                case "DEPTH": depth = tokens.NextInt(); break;
                case "MAXVAL": max = tokens.NextInt(); break;
                case "TUPLTYPE": tupleType = tokens.RestOfLine(); break;
                default: throw new ImageFormatException($"unknown PAM header field '{key}'", fileName);
            }
        }
        tokens.SkipLineEnd();
        int expectedDepth = tupleType switch
        {
            null => depth,
            "GRAYSCALE" or "BLACKANDWHITE" => 1,
            "GRAYSCALE_ALPHA" => 2,
            "RGB" => 3,
            "RGB_ALPHA" => 4,
            _ => throw new ImageFormatException($"unsupported PAM TUPLTYPE '{tupleType}'", fileName),
        };
        if (depth != expectedDepth) throw new ImageFormatException($"PAM DEPTH {depth} does not fit TUPLTYPE {tupleType}", fileName);
        return Validated(w, h, depth, max, tokens.Position, fileName);
    }

    private static PnmHeader Validated(int width, int height, int depth, int maxValue, int offset, string? fileName)
    {
        if (width < 1 || height < 1) throw new ImageFormatException($"invalid Netpbm size {width}x{height}", fileName);
        if (depth is < 1 or > 4) throw new ImageFormatException($"unsupported Netpbm depth {depth}", fileName);
        if (maxValue is < 1 or > 65535) throw new ImageFormatException($"invalid Netpbm maxval {maxValue}", fileName);
        return new PnmHeader(width, height, depth, maxValue, offset);
    }
}

/// <summary>Whitespace-separated ASCII tokens with '#' comments, as in Netpbm headers.</summary>
internal ref struct PnmTokenizer(ReadOnlySpan<byte> file, int position, string? fileName)
{
    private readonly ReadOnlySpan<byte> _file = file;
    public int Position { get; private set; } = position;

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or (byte)'\v' or (byte)'\f';

    private void SkipSpaceAndComments()
    {
        while (Position < _file.Length)
        {
            if (_file[Position] == '#')
            {
                while (Position < _file.Length && _file[Position] != '\n') Position++;
            }
            else if (IsSpace(_file[Position])) Position++;
            else return;
        }
    }

    public string NextWord()
    {
        SkipSpaceAndComments();
        int start = Position;
        while (Position < _file.Length && !IsSpace(_file[Position]) && Position - start < 32) Position++;
        if (Position == start) throw new ImageFormatException("truncated Netpbm header", fileName);
        return System.Text.Encoding.ASCII.GetString(_file[start..Position]);
    }

    public int NextInt() =>
        int.TryParse(NextWord(), System.Globalization.NumberStyles.None, null, out int value)
            ? value : throw new ImageFormatException("invalid number in Netpbm header", fileName);

    public string RestOfLine()
    {
        while (Position < _file.Length && _file[Position] is (byte)' ' or (byte)'\t') Position++;
        int start = Position;
        while (Position < _file.Length && _file[Position] != '\n') Position++;
        return System.Text.Encoding.ASCII.GetString(_file[start..Position]).TrimEnd();
    }

    public void SkipLineEnd()
    {
        while (Position < _file.Length && _file[Position] != '\n') Position++;
        if (Position >= _file.Length) throw new ImageFormatException("truncated Netpbm header (no newline after ENDHDR)", fileName);
        Position++;
    }

    public void SkipSingleWhitespace()
    {
        if (Position >= _file.Length || !IsSpace(_file[Position])) throw new ImageFormatException("missing whitespace before Netpbm raster", fileName);
        Position++;
    }
}
