"""`litemedseg serve`: a local web page to segment images one at a time."""

from __future__ import annotations

import click

from litemedseg.cli.options import any_weights_option, runtime_option


@click.command("serve")
@any_weights_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on. Anything but a loopback address exposes the page to the network.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--max-upload-mb", default=20.0, show_default=True, type=click.FloatRange(0, 4096, min_open=True),
              help="Larger uploads are refused (HTTP 413) before they are read.")
@click.option("--max-image-mp", default=16.0, show_default=True, type=click.FloatRange(0, 64, min_open=True),
              help="Images with more megapixels are refused (HTTP 413) before they are decoded; bounds the time "
                   "and memory one upload takes.")
@runtime_option
@click.option("--threads", type=click.IntRange(1), help="ONNX runtime: intra-op threads (default: all cores).")
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or cuda:N.")
@click.option("--precision", type=click.Choice(["auto", "fp32"]), default="auto", show_default=True,
              help="auto runs the checkpoint's execution plan (bf16 where training used it and this "
                   "device has it); fp32 gives the masks an fp32 ONNX export gives.")
def command(weights, host, port, max_upload_mb, max_image_mp, runtime, threads, device,  # noqa: ANN001
            precision) -> None:
    """Serve a page where you upload an image and get its mask overlay, area and mask PNG (Ctrl-C stops)."""
    import signal

    from litemedseg.errors import ConfigError
    from litemedseg.runtime import load_segmenter
    from litemedseg.serve import ServeLimits, is_loopback, make_server

    # click's FloatRange lets NaN through, and a tiny positive value rounds to 0 bytes
    if not max_upload_mb * 1024 * 1024 >= 1:
        raise ConfigError(f"--max-upload-mb must be a positive number of megabytes (at least 1 byte), "
                          f"got {max_upload_mb}")
    if not max_image_mp * 1_000_000 >= 1:
        raise ConfigError(f"--max-image-mp must be a positive number of megapixels, got {max_image_mp}")
    if not host.strip():
        raise ConfigError("--host is empty; give an address (127.0.0.1, or 0.0.0.0 for every interface)")
    # Bad weights or an unknown device fail here, as one line, before anything listens.
    segmenter = load_segmenter(weights, runtime, device=device, precision=precision, threads=threads)
    try:
        limits = ServeLimits.for_pixels(int(max_image_mp * 1_000_000))
        server = make_server(segmenter, host, port, int(max_upload_mb * 1024 * 1024),
                             log=lambda line: click.echo(line, err=True), limits=limits)
    except OSError as err:
        raise ConfigError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    if not is_loopback(host):
        click.echo(f"warning: listening on {host}, not localhost: anyone who can reach this machine on port "
                   f"{server.server_port} can use the model (no login, no TLS)", err=True)
    click.echo(f"serving {segmenter.model_name} at {server.url} (uploads up to {max_upload_mb:g} MB; Ctrl-C stops)")
    signal.signal(signal.SIGTERM, _interrupt)  # `kill`, systemd and docker stop as cleanly as Ctrl-C
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    click.echo("stopped")


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
