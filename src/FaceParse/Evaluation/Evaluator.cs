using FaceParse.Data;
using FaceParse.Imaging;
using FaceParse.Imaging.Geometry;
using FaceParse.Inference;
using FaceParse.Labels;
using FaceParse.Tensors;
using FaceParse.Training;

namespace FaceParse.Evaluation;

/// <summary>Scores a model on a dataset: the one evaluation path, shared by validation during training and <c>faceparse eval</c>.</summary>
/// <remarks>
/// <para>Per image: decode the photo, resize it to the model's input size with bicubic interpolation (as SegFace does), run the
/// model without gradients in a <see cref="TensorScope"/> straight at the evaluation resolution (FP-LIIF decodes at any output
/// size), take the arg-max class, and add it to one <see cref="SegmentationEvaluator"/> (which resizes the ground truth with
/// nearest neighbour). One confusion matrix spans the whole set. Images run one after another; the kernels use all threads.</para>
/// <para>Label sets: scores are always in the DATASET's label set, because its ground truth cannot be split or merged
/// faithfully, while a prediction can be re-labelled. When the model's set differs, predictions are mapped model → dataset by
/// class meaning (<see cref="LabelMapping"/>: by name, LaPa/Helen side convention handled, CelebAMask-HQ ears → LaPa skin).
/// Model classes the dataset does not annotate (e.g. hat, neck, cloth for LaPa) become background (0), because that is how
/// such a dataset labels those pixels; dataset classes the model cannot predict simply score low, which is the honest result.</para>
/// </remarks>
public static class Evaluator
{
    /// <param name="model">The model.</param>
    /// <param name="dataset">The evaluation set; its label set is the one scored.</param>
    /// <param name="evalSize">Square evaluation side, or null for each mask's own resolution.</param>
    /// <param name="limit">Use only the first this many samples.</param>
    /// <param name="inputSize">Side the photo is resized to; null = <see cref="SegmentationModel.InputSize"/>.</param>
    /// <param name="progress">Receives the number of images done.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static EvaluationReport Evaluate(SegmentationModel model, FaceParsingDataset dataset, int? evalSize, int? limit = null,
        int? inputSize = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(dataset);
        int side = inputSize ?? model.InputSize;
        if (side < 1) throw new ArgumentOutOfRangeException(nameof(inputSize), $"Input size must be positive, got {side}.");
        var mapping = model.Labels.Name == dataset.Labels.Name ? null : LabelMapping.Create(model.Labels, dataset.Labels, UnmappedPolicy.Background);
        var evaluator = new SegmentationEvaluator(dataset.Labels, evalSize);
        int count = Math.Min(dataset.Count, limit ?? int.MaxValue);
        bool wasTraining = model.Module.Training;
        model.Module.Eval();
        try
        {
            for (int i = 0; i < count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var (image, mask) = dataset.LoadSample(dataset.Samples[i], CodecImageDecoder.Instance);
                int outW = evalSize ?? mask.Width, outH = evalSize ?? mask.Height;
                var prediction = LabelDecoding.Predict(model, image, side, outH, outW, mapping);
                evaluator.Add(mask.Labels, mask.Width, mask.Height, prediction, outW, outH);
                progress?.Report(i + 1);
            }
        }
        finally
        {
            model.Module.Train(wasTraining);
        }
        return evaluator.Report(model.Name);
    }

    /// <summary>Class ids in the model's label set, [outH, outW] row-major, for one photo resized to side × side (the same
    /// preprocessing and arg-max as <see cref="FaceParser"/>).</summary>
    public static byte[] Predict(SegmentationModel model, Image image, int side, int outH, int outW) =>
        LabelDecoding.Predict(model, image, side, outH, outW);
}
