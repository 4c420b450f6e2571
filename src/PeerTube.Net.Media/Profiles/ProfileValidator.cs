namespace PeerTube.Net.Media.Profiles;

/// <summary>Range and consistency checks that JSON deserialization cannot express.</summary>
internal static class ProfileValidator
{
    private const int MaxResolution = 8640;

    public static void Validate(TranscodingProfile profile, string source)
    {
        void Fail(string field, string problem) => throw new InvalidProfileException(source, field, problem);

        RequireList(profile.Resolutions, "resolutions", Fail);
        if (profile.Resolutions.Count == 0)
        {
            Fail("resolutions", "at least one resolution is required.");
        }

        for (var i = 0; i < profile.Resolutions.Count; i++)
        {
            if (profile.Resolutions[i] is < 2 or > MaxResolution)
            {
                Fail($"resolutions[{i}]", $"{profile.Resolutions[i]} is not between 2 and {MaxResolution}.");
            }
        }

        if (profile.Resolutions.Distinct().Count() != profile.Resolutions.Count)
        {
            Fail("resolutions", "contains the same resolution twice.");
        }

        if (profile.KeyframeIntervalSeconds is not (> 0 and <= 60))
        {
            Fail("keyframeIntervalSeconds", "must be greater than 0 and at most 60.");
        }

        if (profile.HlsSegmentDurationSeconds is not (> 0 and <= 60))
        {
            Fail("hlsSegmentDurationSeconds", "must be greater than 0 and at most 60.");
        }

        var keyframesPerSegment = profile.HlsSegmentDurationSeconds / profile.KeyframeIntervalSeconds;
        if (Math.Abs(keyframesPerSegment - Math.Round(keyframesPerSegment)) > 1e-9)
        {
            Fail("hlsSegmentDurationSeconds", "must be a multiple of keyframeIntervalSeconds, otherwise renditions are cut at different times.");
        }

        ValidateFps(profile.Fps, Fail);
        ValidateVideoBitrate(profile.VideoBitrate, Fail);
        ValidateAudioBitrate(profile.AudioBitrate, Fail);
        ValidateVideo(profile.Video, Fail);
        ValidateAudio(profile.Audio, Fail);
        ValidateQuickTranscode(profile.QuickTranscode, Fail);
        RequireStrings(profile.OutputArgs, "outputArgs", allowPlaceholders: false, Fail);
    }

    private static void ValidateFps(FpsRules fps, Action<string, string> fail)
    {
        if (fps.Min is not > 0)
        {
            fail("fps.min", "must be greater than 0.");
        }

        if (fps.Max < fps.Min)
        {
            fail("fps.max", "must be at least fps.min.");
        }

        RequireList(fps.Standard, "fps.standard", fail);
        if (fps.Standard.Count == 0)
        {
            fail("fps.standard", "at least one frame rate is required.");
        }

        for (var i = 0; i < fps.Standard.Count; i++)
        {
            if (fps.Standard[i] is not > 0)
            {
                fail($"fps.standard[{i}]", "must be greater than 0.");
            }
        }

        RequireList(fps.HdStandard, "fps.hdStandard", fail);
        for (var i = 0; i < fps.HdStandard.Count; i++)
        {
            if (fps.HdStandard[i] is not > 0)
            {
                fail($"fps.hdStandard[{i}]", "must be greater than 0.");
            }
        }

        if (fps.KeepOriginFpsResolutionMin < 0)
        {
            fail("fps.keepOriginFpsResolutionMin", "must not be negative.");
        }
    }

    private static void ValidateVideoBitrate(VideoBitrateRules rules, Action<string, string> fail)
    {
        RequireList(rules.BitsPerPixel, "videoBitrate.bitsPerPixel", fail);
        if (rules.BitsPerPixel.Count == 0)
        {
            fail("videoBitrate.bitsPerPixel", "at least one row is required.");
        }

        for (var i = 0; i < rules.BitsPerPixel.Count; i++)
        {
            var row = rules.BitsPerPixel[i];
            var field = $"videoBitrate.bitsPerPixel[{i}]";
            if (row is null)
            {
                fail(field, "must not be null.");
                return;
            }

            if (row.Resolution < 1)
            {
                fail(field + ".resolution", "must be at least 1.");
            }

            if (row.Min < 0 || row.Average < row.Min || row.Max < row.Average)
            {
                fail(field, "needs 0 <= min <= average <= max.");
            }
        }

        if (rules.BitsPerPixel.Select(r => r.Resolution).Distinct().Count() != rules.BitsPerPixel.Count)
        {
            fail("videoBitrate.bitsPerPixel", "contains the same resolution twice.");
        }

        if (rules.InputMarginPercent is < 0 or > 1000)
        {
            fail("videoBitrate.inputMarginPercent", "must be between 0 and 1000.");
        }

        if (rules.Fallback.Min < 1 || rules.Fallback.Average < rules.Fallback.Min || rules.Fallback.Max < rules.Fallback.Average)
        {
            fail("videoBitrate.fallback", "needs 1 <= min <= average <= max (bits/s).");
        }
    }

    private static void ValidateAudioBitrate(AudioBitrateRules rules, Action<string, string> fail)
    {
        if (rules.MaxKbps < 1)
        {
            fail("audioBitrate.maxKbps", "must be at least 1.");
        }

        if (rules.UnknownKbps < 1)
        {
            fail("audioBitrate.unknownKbps", "must be at least 1.");
        }

        if (rules.UnknownLosslessKbps < 1)
        {
            fail("audioBitrate.unknownLosslessKbps", "must be at least 1.");
        }

        RequireStrings(rules.LosslessCodecs, "audioBitrate.losslessCodecs", allowPlaceholders: false, fail);
    }

    private static void ValidateVideo(VideoEncoderSettings video, Action<string, string> fail)
    {
        if (string.IsNullOrWhiteSpace(video.Encoder))
        {
            fail("video.encoder", "an ffmpeg encoder name is required (e.g. libx264).");
        }

        RequireStrings(video.Args, "video.args", allowPlaceholders: true, fail);
        RequireStrings(video.KeyframeArgs, "video.keyframeArgs", allowPlaceholders: true, fail);
    }

    private static void ValidateAudio(AudioEncoderSettings audio, Action<string, string> fail)
    {
        if (string.IsNullOrWhiteSpace(audio.Encoder))
        {
            fail("audio.encoder", "an ffmpeg encoder name is required (e.g. aac).");
        }

        RequireStrings(audio.Args, "audio.args", allowPlaceholders: false, fail);
    }

    private static void ValidateQuickTranscode(QuickTranscodeRules rules, Action<string, string> fail)
    {
        RequireStrings(rules.VideoCodecs, "quickTranscode.videoCodecs", allowPlaceholders: false, fail);
        RequireStrings(rules.PixelFormats, "quickTranscode.pixelFormats", allowPlaceholders: false, fail);
        RequireStrings(rules.AudioCodecs, "quickTranscode.audioCodecs", allowPlaceholders: false, fail);
        if (rules.MinFps < 0)
        {
            fail("quickTranscode.minFps", "must not be negative.");
        }

        if (rules.MaxAudioChannels < 0)
        {
            fail("quickTranscode.maxAudioChannels", "must not be negative.");
        }
    }

    private static void RequireList<T>(IReadOnlyList<T>? list, string field, Action<string, string> fail)
    {
        if (list is null)
        {
            fail(field, "must be a list, not null.");
        }
    }

    private static void RequireStrings(IReadOnlyList<string?>? list, string field, bool allowPlaceholders, Action<string, string> fail)
    {
        RequireList(list, field, fail);
        for (var i = 0; i < list!.Count; i++)
        {
            var item = list[i];
            if (string.IsNullOrEmpty(item))
            {
                fail($"{field}[{i}]", "must be a non-empty string.");
                return;
            }

            foreach (var placeholder in ProfilePlaceholders.Find(item))
            {
                if (!allowPlaceholders)
                {
                    fail($"{field}[{i}]", $"placeholders such as {{{placeholder}}} are not supported here.");
                }
                else if (!ProfilePlaceholders.All.Contains(placeholder))
                {
                    fail($"{field}[{i}]", $"unknown placeholder {{{placeholder}}}; known: {string.Join(", ", ProfilePlaceholders.All.Select(p => "{" + p + "}"))}.");
                }
            }
        }
    }
}
