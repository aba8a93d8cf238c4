using System.Text;

namespace FaceParse.Imaging.Tests.Jpeg;

/// <summary>Minimal binary Netpbm reader for reference decodes: P5 (PGM), P6 (PPM) and P7 (PAM), 8-bit or 16-bit samples.</summary>
/// <remarks>Kept in the test project on purpose: the library's PNM codec is written elsewhere.</remarks>
internal sealed record NetpbmReference(int Width, int Height, int Channels, int MaxValue, int[] Samples)
{
    public static NetpbmReference Load(string path) => Parse(File.ReadAllBytes(path));

    public static NetpbmReference Parse(byte[] d)
    {
        int pos = 0;
        string magic = Token(d, ref pos);
        int w, h, c, max;
        if (magic == "P7")
        {
            w = h = c = max = 0;
            for (string t = Token(d, ref pos); t != "ENDHDR"; t = Token(d, ref pos))
            {
                switch (t)
                {
                    case "WIDTH": w = int.Parse(Token(d, ref pos)); break;
                    case "HEIGHT": h = int.Parse(Token(d, ref pos)); break;
                    case "DEPTH": c = int.Parse(Token(d, ref pos)); break;
                    case "MAXVAL": max = int.Parse(Token(d, ref pos)); break;
                    case "TUPLTYPE": Token(d, ref pos); break;
                    default: throw new InvalidDataException($"unknown PAM header field {t}");
                }
            }
        }
        else if (magic is "P5" or "P6")
        {
            w = int.Parse(Token(d, ref pos));
            h = int.Parse(Token(d, ref pos));
            max = int.Parse(Token(d, ref pos));
            c = magic == "P5" ? 1 : 3;
        }
        else throw new InvalidDataException($"unsupported Netpbm magic {magic}");
        pos++; // the single whitespace byte after the header
        int n = w * h * c, bytes = max > 255 ? 2 : 1;
        if (d.Length - pos < n * bytes) throw new InvalidDataException("truncated Netpbm raster");
        var samples = new int[n];
        for (int i = 0; i < n; i++)
            samples[i] = bytes == 1 ? d[pos + i] : d[pos + 2 * i] << 8 | d[pos + 2 * i + 1];
        return new NetpbmReference(w, h, c, max, samples);
    }

    private static string Token(byte[] d, ref int pos)
    {
        while (pos < d.Length && (char.IsWhiteSpace((char)d[pos]) || d[pos] == '#'))
        {
            if (d[pos] == '#') while (pos < d.Length && d[pos] != '\n') pos++;
            else pos++;
        }
        int start = pos;
        while (pos < d.Length && !char.IsWhiteSpace((char)d[pos])) pos++;
        return Encoding.ASCII.GetString(d, start, pos - start);
    }

    /// <summary>Largest absolute difference and the worst per-channel mean absolute difference against an 8-bit
    /// image of the same shape (asserts the shapes agree).</summary>
    public (int Max, double Mean) Compare(Image image)
    {
        Assert.Equal((Width, Height, Channels), (image.Width, image.Height, image.Channels));
        int max = 0;
        var sums = new long[Channels];
        for (int i = 0; i < Samples.Length; i++)
        {
            int diff = Math.Abs(Samples[i] - image.Pixels[i]);
            max = Math.Max(max, diff);
            sums[i % Channels] += diff;
        }
        return (max, sums.Max() / (double)(Width * Height));
    }
}
