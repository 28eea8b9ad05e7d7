"""Training: AdamW, warm-up + cosine/poly schedule, AMP on GPU, early stopping on validation Dice, checkpoints
every epoch, exact resume, NaN guard and DDP (torchrun)."""

from __future__ import annotations

import itertools
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from tqdm.auto import tqdm

from litemedseg import __version__
from litemedseg.checkpoint import InitialWeights, load_initial_weights, save_checkpoint
from litemedseg.config import TrainConfig
from litemedseg.data.augment import BatchAugment
from litemedseg.data.cache import channel_statistics, load_cache
from litemedseg.data.folder import SegmentationFolder, open_dataset
from litemedseg.data.io import read_image
from litemedseg.data.loader import BatchSource, normalize_batch
from litemedseg.data.rules import DataRules
from litemedseg.data.spec import InputSpec
from litemedseg.data.split_record import SPLIT_RECORD_FILE, SplitRecord
from litemedseg.engine import pictures
from litemedseg.engine.acceleration import (ExecutionPlan, cached_plan, choose_training_plan, plan_cache_file,
                                            plan_cache_key, remember_plan)
from litemedseg.engine.evaluation import headline_for, score_items
from litemedseg.engine.prediction import Segmenter, resolve_device
from litemedseg.engine.run_folder import STATE_FILE, check_run_folder, open_run_folder
from litemedseg.engine.recipe import DeepSupervision, WeightAverage, progressive_size, resize_batch
from litemedseg.engine.run_log import RunLog
from litemedseg.errors import ConfigError, TrainingDivergedError
from litemedseg.losses import create_loss, default_loss_name
from litemedseg.metrics import SegmentationScorer
from litemedseg.models.pretrained import resolve_weights
from litemedseg.models.registry import ModelConfig, build_model, size_divisor_of
from litemedseg.utils.atomic import atomic_path, remove_stale_temporaries, write_json_atomic
from litemedseg.utils.locking import folder_lock
from litemedseg.utils.jsonio import read_json
from litemedseg.utils.provenance import git_commit, hardware

@dataclass
class TrainResult:
    run_dir: Path
    best_score: float
    best_epoch: int
    epochs_run: int
    stopped_early: bool
    wall_time_s: float
    history: list[dict[str, Any]] = field(default_factory=list)
    rank: int = 0
    stopped_on_time: bool = False
    training_time_s: float = 0.0  # what the budget counts (CPU or wall seconds of the epochs)
    time_budget_s: float | None = None
    time_budget_clock: str = "wall"

    @property
    def stop_reason(self) -> str:
        """Why training ended: 'time_budget', 'patience' (early stopping) or 'epochs' (the cap, or all planned)."""
        return "time_budget" if self.stopped_on_time else "patience" if self.stopped_early else "epochs"

    def describe_stop(self) -> str:
        """One phrase for the CLI's last line; under a budget, a cap or patience that ended the run early says
        how much of the budget was left."""
        if self.stopped_on_time:
            return "time budget reached"
        why = "stopped early (patience)" if self.stopped_early else "epoch cap reached"
        if self.time_budget_s:
            share = self.training_time_s / self.time_budget_s
            return f"{why} after {share:.0%} of the time budget"
        return why if self.stopped_early else ""


@dataclass
class _Dist:
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        return self.rank == 0


def _init_distributed(device_pref: str) -> _Dist:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world <= 1:
        return _Dist()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    use_cuda = torch.cuda.is_available() and device_pref in ("auto", "cuda")
    if use_cuda:
        torch.cuda.set_device(local_rank)
    if not dist.is_initialized():
        dist.init_process_group(backend="nccl" if use_cuda else "gloo")
    return _Dist(rank, world, local_rank)


def _detect_in_channels(dataset: SegmentationFolder, stems: list[str]) -> int:
    """1 when the first training image is single-channel on disk, else 3."""
    return 1 if read_image(dataset.samples[stems[0]].image).shape[-1] == 1 else 3


ONE_CYCLE_RISE = 0.3  # share of the schedule the one-cycle learning rate climbs for


def decay_factor(progress: float, schedule: str) -> float:
    """The learning-rate multiplier at `progress` (0-1) through the schedule, after any warm-up.

    cosine / poly(0.9): decay to 1 %; constant; one_cycle: climb from 4 % to 100 % over the first 30 %, then cosine
    to 0.01 %; cosine_restarts: cosine to 1 % over the first third, restarted once for the other two thirds (SGDR,
    T_mult = 2).
    """
    progress = min(1.0, max(0.0, progress))
    if schedule == "constant":
        return 1.0
    if schedule == "poly":
        return max(0.01, (1 - progress) ** 0.9)
    if schedule == "one_cycle":
        if progress < ONE_CYCLE_RISE:
            return 0.04 + 0.96 * 0.5 * (1 - math.cos(math.pi * progress / ONE_CYCLE_RISE))
        return 1e-4 + (1 - 1e-4) * 0.5 * (1 + math.cos(math.pi * (progress - ONE_CYCLE_RISE) / (1 - ONE_CYCLE_RISE)))
    if schedule == "cosine_restarts":
        progress = progress * 3 if progress < 1 / 3 else (progress - 1 / 3) * 1.5
    return 0.01 + 0.99 * 0.5 * (1 + math.cos(math.pi * progress))


def lr_factor(step: int, total: int, warmup: int, schedule: str) -> float:
    """Linear warm-up from 1 % to 100 % over `warmup` steps, then `decay_factor` over the remaining steps."""
    if warmup and step < warmup:
        return 0.01 + 0.99 * step / warmup
    return decay_factor((step - warmup) / max(1, total - warmup), schedule)


def time_lr_factor(step: int, warmup: int, progress: float, schedule: str) -> float:
    """`lr_factor` with the decay driven by the share of the time budget spent, not by the step count."""
    if warmup and step < warmup:
        return 0.01 + 0.99 * step / warmup
    return decay_factor(progress, schedule)


class Trainer:
    """One training run; `run()` trains (or resumes) and returns a TrainResult. Rank 0 writes everything."""

    def __init__(self, config: TrainConfig, resume: bool = False) -> None:
        self.dist = _init_distributed(config.device)
        self.inherited: list[str] = []
        if config.init:  # on --resume too, so the resumed config is the one the run was planned with
            config, self.inherited = inherit_from_init(config)
        self.config = config = config.with_model_defaults(distributed=self.dist.world_size > 1)
        self.resume = resume
        if self.dist.world_size > 1 and torch.cuda.is_available() and config.device in ("auto", "cuda"):
            self.device = torch.device("cuda", self.dist.local_rank)
        else:
            self.device = resolve_device(config.device)
        self.run_dir = Path(config.output) / config.run_name()
        self.progress = config.progress and self.dist.is_main

    # ---- set-up -------------------------------------------------------------------------------------------
    def _prepare_run_dir(self, check_only: bool = False) -> None:
        """`check_only` before set-up: a bad dataset or config then neither deletes the old run nor leaves a folder."""
        if not self.dist.is_main:
            return
        if check_only:
            check_run_folder(self.run_dir, resume=self.resume, overwrite=self.config.overwrite)
        else:
            open_run_folder(self.run_dir, resume=self.resume, overwrite=self.config.overwrite)

    def _setup(self) -> None:
        cfg = self.config
        if cfg.threads:
            torch.set_num_threads(cfg.threads)
        if cfg.deterministic:
            torch.use_deterministic_algorithms(True, warn_only=True)
            torch.backends.cudnn.benchmark = False
            os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.manual_seed(cfg.seed)

        self.dataset = open_dataset(cfg.data, cfg.num_classes, self._split_file(), group_by=cfg.group_by,
                                    **DataRules.from_dict(cfg.model_dump()).folder_options())
        self.split_record = self._record_split()
        train_stems = self.dataset.splits.get("train", [])
        if not train_stems:
            raise ConfigError(f"{self.dataset.root}: the train split is empty")
        in_channels = cfg.input.in_channels or _detect_in_channels(self.dataset, train_stems)
        num_classes = self.dataset.num_classes

        self.model_config = ModelConfig(cfg.model, in_channels, num_classes, dict(cfg.model_kwargs))
        try:
            model = build_model(self.model_config)
        except (TypeError, ValueError) as err:
            raise ConfigError(f"cannot build {cfg.model!r} with model_kwargs {cfg.model_kwargs}: {err}") from None
        self.divisor = divisor = size_divisor_of(model)
        if any(side % divisor for side in cfg.input.size):
            raise ConfigError(f"input.size {tuple(cfg.input.size)} must be multiples of {divisor} for {cfg.model}")
        if cfg.recipe.progressive_resize and cfg.input.mode != "resize":
            raise ConfigError("recipe.progressive_resize needs input.mode resize (in patch mode a smaller patch "
                              "would change the scale the network sees)")
        if cfg.recipe.deep_supervision and self.dist.world_size > 1:
            raise ConfigError("recipe.deep_supervision is for single-process training (its heads sit outside DDP)")
        # on resume the saved state holds the weights (and the record of where they started)
        self.initial_weights: InitialWeights | None = None
        if cfg.init and not self.resume:
            self.initial_weights = load_initial_weights(model, resolve_weights(cfg.init), cfg.init)
            if self.inherited:
                self._say(f"--init {cfg.init}: {'; '.join(self.inherited)} taken from the weights (flags or the "
                          "config override each)")

        spec = cfg.input.spec(in_channels)
        train_items = load_cache(self.dataset.subset("train"), spec, num_classes, cfg.mask_threshold,
                                 palette=self.dataset.palette, cache_dir=cfg.cache_dir, description="decoding train",
                                 progress=self.progress)
        self.spec = spec.with_statistics(*channel_statistics(train_items))
        self.train_items = train_items
        self.train_image_size = image_size_summary([item.original_size for item in train_items])
        val_samples = self.dataset.subset("val") if self.dataset.splits.get("val") else []
        self.val_items = load_cache(val_samples, InputSpec.native(in_channels), num_classes, cfg.mask_threshold,
                                    palette=self.dataset.palette, cache_dir=cfg.cache_dir, description="decoding val",
                                    progress=self.progress)
        self.batches = BatchSource(train_items, self.spec, cfg.batch_size, self.device, cfg.input.patches_per_image,
                                   self.dist.rank, self.dist.world_size)
        self.augment = (
            BatchAugment(cfg.augment, in_channels).to(self.device)
            if cfg.augment.enabled else None
        )
        self.loss_name = cfg.loss or default_loss_name(cfg.model, num_classes)
        self.loss_fn = create_loss(self.loss_name, num_classes, **cfg.loss_kwargs)

        model = model.to(self.device)
        self.deep: DeepSupervision | None = None  # set after the plan is measured (its trials run the bare model)
        self.ema: WeightAverage | None = None
        self.plan = self._choose_plan(model, in_channels, num_classes)
        model = self.plan.prepare_model(model)
        self.model = model
        self.train_model: nn.Module = model
        if self.dist.world_size > 1:
            ids = None
            if self.device.type == "cuda":  # SyncBatchNorm is CUDA-only; on CPU each rank keeps its own statistics
                self.model = nn.SyncBatchNorm.convert_sync_batchnorm(model).to(self.device)
                self.model.model_config = self.model_config
                ids = [self.device.index]
            self.train_model = nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        if cfg.compile:
            self.train_model = torch.compile(self.train_model)
        parameters = list(self.model.parameters())
        if cfg.recipe.deep_supervision:
            probe = self.plan.prepare_input(torch.zeros(1, in_channels, *self.spec.size, device=self.device))
            self.deep = DeepSupervision(self.model, num_classes, probe).to(self.device)
            parameters += list(self.deep.parameters())
        if cfg.recipe.ema_decay:
            self.ema = WeightAverage(self.model, cfg.recipe.ema_decay)
        self.optimizer = torch.optim.AdamW(parameters, lr=cfg.lr, weight_decay=cfg.weight_decay)
        steps_per_epoch = self.batches.batches_per_epoch()
        self.total_steps = steps_per_epoch * cfg.epochs
        # one_cycle climbs by itself: no separate warm-up in front of it
        warmup = 0 if cfg.schedule == "one_cycle" else round(cfg.warmup_epochs * steps_per_epoch)
        self.budget_s = cfg.time_budget
        self.clock = time.process_time if cfg.time_budget_clock == "cpu" else time.perf_counter
        self.spent_s, self.epoch_started = 0.0, self.clock()  # budget spent by earlier epochs, this one's start
        if self.budget_s:
            schedule = lambda step: time_lr_factor(step, warmup, self._budget_progress(), cfg.schedule)  # noqa: E731
        else:
            schedule = lambda step: lr_factor(step, self.total_steps, warmup, cfg.schedule)  # noqa: E731
        self.scheduler = torch.optim.lr_scheduler.LambdaLR(self.optimizer, schedule)
        self.scaler = torch.amp.GradScaler("cuda", enabled=self.plan.amp == "fp16")
        self.headline = headline_for(self.dataset)

    def _split_file(self) -> str | os.PathLike | None:
        """On resume the run's own split.json: images added to the folder since cannot move between splits."""
        saved = self.run_dir / SPLIT_RECORD_FILE
        if self.resume and saved.is_file() and self.config.split_file is None:
            return saved
        return self.config.split_file

    def _record_split(self) -> SplitRecord:
        images = {stem: sample.image for stem, sample in self.dataset.samples.items()}
        saved = self.run_dir / SPLIT_RECORD_FILE
        source = self.dataset.split_source
        if self.resume and saved.is_file():
            from litemedseg.utils.jsonio import read_json

            before = SplitRecord.from_dict(read_json(saved), saved)
            if any(sorted(self.dataset.splits.get(k, [])) != stems for k, stems in before.stems.items()):
                raise ConfigError(f"{saved}: the split given now differs from the one this run was trained on; "
                                  "resume without --split-file, or start a new run")
            source = before.source
        return SplitRecord.of_samples(self.dataset.splits, images, source)

    # ---- checkpoints --------------------------------------------------------------------------------------
    def _meta(self, epoch: int, score: float, kind: str) -> dict[str, Any]:
        return {
            "kind": kind,
            "epoch": epoch,
            "metrics": {f"val_{self.headline}": score},
            "input": self.spec.to_dict(),
            "num_classes": self.model_config.num_classes,
            "class_names": self.dataset.class_names,
            "dataset": {"name": self.dataset.name, "root": str(self.dataset.root),
                        "split_source": self.split_record.source,
                        "split_sizes": self.split_record.sizes, "split": self.split_record.to_dict(),
                        "image_size": self.train_image_size},
            "loss": self.loss_name,
            "execution": self.plan.to_dict(),
            "initial_weights": self.initial_weights.to_dict() if self.initial_weights else None,
            "train_config": self.config.model_dump(mode="json"),
            "commit": git_commit(),
            "litemedseg": __version__,
        }

    def _save(self, epoch: int, score: float, improved: bool, history: list[dict[str, Any]]) -> None:
        if not self.dist.is_main:
            return
        save_checkpoint(self.run_dir / "last", self.scored_model, self._meta(epoch, score, "last"))
        if improved:
            save_checkpoint(self.run_dir / "best", self.scored_model, self._meta(epoch, score, "best"))
        state = {
            "epoch": epoch,
            "model": self.model.state_dict(),
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "scaler": self.scaler.state_dict(),
            "best_score": self.best_score,
            "best_epoch": self.best_epoch,
            "stale_epochs": self.stale_epochs,
            "history": history,
            "config": self.config.model_dump(mode="json"),
            "plan": self.plan.to_dict(),
            "initial_weights": self.initial_weights.to_dict() if self.initial_weights else None,
            "ema": self.ema.state_dict() if self.ema else None,
            "deep_supervision": self.deep.state_dict() if self.deep else None,
        }
        with atomic_path(self.run_dir / STATE_FILE) as tmp:
            torch.save(state, tmp)

    def _load_state(self) -> tuple[int, list[dict[str, Any]]]:
        path = self.run_dir / STATE_FILE
        try:
            state = torch.load(path, map_location=self.device, weights_only=True)
        except Exception as err:  # noqa: BLE001  (any unreadable state is the same user-facing problem)
            raise ConfigError(f"{path}: cannot resume from this file ({str(err).splitlines()[0][:100]})") from None
        saved, now = state["config"], self.config.model_dump(mode="json")
        for key in ("model", "data", "model_kwargs", "input", "batch_size", "seed", "init", "recipe"):
            if saved.get(key) != now.get(key):
                raise ConfigError(f"{path}: cannot resume with a different {key!r} ({saved.get(key)!r} in the run)")
        # --resume finishes the planned schedule; a longer one would restart the learning rate mid-run
        for key in ("epochs", "time_budget", "time_budget_clock", "schedule", "lr", "warmup_epochs"):
            if saved.get(key) != now.get(key):
                raise ConfigError(
                    f"{path}: the run's learning-rate schedule was planned for {key}={saved.get(key)!r}, "
                    f"not {now.get(key)!r}; --resume only finishes that plan. To train longer, start a new run "
                    f"from its weights: --init {self.run_dir / 'best'} --name NEW_NAME with the new {key}")
        if state.get("initial_weights"):
            self.initial_weights = InitialWeights.from_dict(state["initial_weights"])
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.scaler.load_state_dict(state["scaler"])
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        if self.deep is not None:
            self.deep.load_state_dict(state["deep_supervision"])
        self.best_score, self.best_epoch = state["best_score"], state["best_epoch"]
        self.stale_epochs = state["stale_epochs"]
        return int(state["epoch"]), list(state["history"])

    # ---- loop ---------------------------------------------------------------------------------------------
    def _train_epoch(self, epoch: int, bar: tqdm) -> float:
        self.train_model.train()
        torch.manual_seed(self.config.seed * 1_000_003 + epoch)  # augmentation draws replay exactly on resume
        total, count = 0.0, 0
        for images, masks in self.batches.epoch(self.config.seed, epoch):
            loss = self._loss(self.train_model, images, masks, self.plan)
            if not torch.isfinite(loss):
                raise TrainingDivergedError(
                    f"loss became {loss.item()} at epoch {epoch}; stopped, last good checkpoint kept in "
                    f"{self.run_dir / 'last'} (lower --lr or check the masks)"
                )
            self.scaler.scale(loss).backward()
            self.scaler.step(self.optimizer)
            self.scaler.update()
            self.scheduler.step()
            if self.ema is not None:
                self.ema.update(self.model)
            total += loss.item()
            count += 1
            self._advance(bar)
            bar.set_postfix(epoch=epoch, loss=f"{loss.item():.4f}", best=f"{self.best_score:.4f}", refresh=False)
        if not all(torch.isfinite(p).all() for p in self.model.parameters()):
            raise TrainingDivergedError(
                f"weights became non-finite at epoch {epoch}; last good checkpoint kept in {self.run_dir / 'last'}"
            )
        return total / max(1, count)

    def _loss(self, model: nn.Module, images: torch.Tensor, masks: torch.Tensor, plan: ExecutionPlan) -> torch.Tensor:
        """Augment, normalise, forward under the plan; the loss in fp32. Gradients are zeroed first."""
        masks = masks.float()
        if self.augment is not None:
            images, masks = self.augment(images.float() / 255.0, masks)
        small = (progressive_size(self.spec.size, self._progress(), self.divisor)
                 if self.config.recipe.progressive_resize else None)
        if small is not None:
            images, masks = resize_batch(images if images.is_floating_point() else images / 255.0, masks, small)
        inputs = plan.prepare_input(normalize_batch(images, self.spec))
        target = masks.round().long() if self.model_config.num_classes > 1 else masks.round()
        heads = self.deep.parameters() if self.deep is not None else ()
        for parameter in itertools.chain(model.parameters(), heads):
            parameter.grad = None
        with plan.autocast(self.device):
            logits = model(inputs)
        loss = self.loss_fn(logits.float(), target)
        if self.deep is not None and self.deep.features:
            loss = loss + self.deep.loss(self.loss_fn, target, tuple(logits.shape[-2:]))
        return loss

    def _choose_plan(self, model: nn.Module, in_channels: int, num_classes: int) -> ExecutionPlan:
        """The saved plan on resume; fp32 where results must not depend on timing; else the fastest measured."""
        cfg = self.config
        if self.resume:
            saved = self._saved_plan()
            if saved is not None:
                return saved
        if (cfg.deterministic or self.dist.world_size > 1) and "auto" in (cfg.amp, cfg.channels_last):
            amp = "off" if cfg.amp == "auto" else cfg.amp
            layout = "off" if cfg.channels_last == "auto" else cfg.channels_last
            reason = "deterministic" if cfg.deterministic else "distributed"
        else:
            amp, layout, reason = cfg.amp, cfg.channels_last, ""
        side = self.spec.size
        generator = torch.Generator().manual_seed(0)
        images = torch.randint(0, 256, (cfg.batch_size, in_channels, *side), generator=generator, dtype=torch.uint8)
        masks = torch.randint(0, max(2, num_classes), (cfg.batch_size, 1, *side), generator=generator).to(self.device)
        images = images.to(self.device)

        def step(trial: nn.Module, optimizer: torch.optim.Optimizer, plan: ExecutionPlan) -> float:
            loss = self._loss(trial, images, masks, plan)
            loss.backward()
            optimizer.step()
            return float(loss.detach())

        key = plan_cache_key(self.device, model=self.model_config.to_dict(), size=list(side), batch=cfg.batch_size,
                             amp=amp, channels_last=layout, compile=cfg.compile, loss=self.loss_name,
                             deep_supervision=cfg.recipe.deep_supervision)
        plan = cached_plan(key)
        if plan is not None:
            self._say(f"execution plan {plan.label}, measured on this machine before (cache: {plan_cache_file()})")
        else:
            plan = choose_training_plan(step, model, self.device, cfg.batch_size, amp=amp, channels_last=layout,
                                        compile=cfg.compile, say=self._say)
            remember_plan(key, plan)
        if reason:
            plan = ExecutionPlan(plan.channels_last, plan.amp, plan.compile, plan.measured_img_per_s, reason)
        return plan

    def _draw_start_pictures(self) -> None:
        """pictures/train_batch.png (the first batch, augmented, masks outlined) and foreground_share.png."""
        images, masks = next(iter(self.batches.epoch(self.config.seed, 0)))
        images, masks = images.float() / 255.0, masks.float()
        if self.augment is not None:
            with torch.random.fork_rng(devices=[]):  # the run's own random stream stays as it was
                torch.manual_seed(self.config.seed)
                images, masks = self.augment(images, masks)
        pictures.write_train_batch(self.run_dir, images.cpu().numpy(), masks.cpu().numpy())
        shares = pictures.foreground_shares([item.mask for item in self.train_items if item.mask is not None],
                                            self.model_config.num_classes)
        pictures.write_foreground_share(self.run_dir, shares, self.dataset.class_names)

    @torch.no_grad()
    def _draw_validation(self, count: int = 4) -> None:
        """pictures/val_best.png: the first validation images, label and prediction of the new best weights."""
        items = [item for item in self.val_items if item.mask is not None][:count]
        segmenter = Segmenter(self.scored_model, self.spec, self.dataset.class_names, device=self.device,
                              plan=self.plan)
        predictions = [segmenter.predict(item.image) for item in items]
        self.model.train()
        pictures.write_val_predictions(self.run_dir, [item.image for item in items], [item.mask for item in items],
                                       predictions, self.model_config.num_classes)

    def _say(self, line: str) -> None:
        """A progress line on stderr (set-up steps that take seconds), only when progress is shown."""
        if self.progress:
            tqdm.write(line, file=sys.stderr)

    def _saved_plan(self) -> ExecutionPlan | None:
        try:
            state = torch.load(self.run_dir / STATE_FILE, map_location="cpu", weights_only=True)
        except Exception:  # noqa: BLE001  (an unreadable state is reported by _load_state)
            return None
        return ExecutionPlan.from_dict(state.get("plan")) if isinstance(state, dict) and "plan" in state else None

    @torch.no_grad()
    def _validate(self) -> float:
        if not self.val_items:
            return math.nan
        segmenter = Segmenter(self.scored_model, self.spec, self.dataset.class_names, device=self.device,
                              plan=self.plan)
        scorer = SegmentationScorer(self.model_config.num_classes, self.dataset.class_names, with_hd95=False,
                                    headline=self.headline)
        score_items(segmenter, self.val_items, scorer, batch_size=self.config.val_batch_size, progress=False)
        self.model.train()
        return float(scorer.summary()["headline"]["value"])

    def run(self) -> TrainResult:
        """Train under the run folder's lock: a second train, --resume or --overwrite of a live run is refused."""
        if not self.dist.is_main:
            return self._run()
        command = "train --resume" if self.resume else "train --overwrite" if self.config.overwrite else "train"
        with folder_lock(self.run_dir, command):
            return self._run()

    def _run(self) -> TrainResult:
        started = time.perf_counter()
        self._prepare_run_dir(check_only=True)
        self._setup()
        self._prepare_run_dir()
        if self.dist.is_main:  # what a run killed mid-write left (it held this lock, so no writer is live)
            for folder in (self.run_dir, self.run_dir / "last", self.run_dir / "best"):
                remove_stale_temporaries(folder)
        self.best_score, self.best_epoch, self.stale_epochs = -math.inf, 0, 0
        start_epoch, history = 0, []
        log = RunLog(self.run_dir, self.headline, tensorboard=self.config.tensorboard, enabled=self.dist.is_main)
        if self.resume:
            start_epoch, history = self._load_state()
            self._refuse_finished(start_epoch)
            log.rewrite(history)
        if self.dist.is_main:
            self.split_record.write(self.run_dir)
            write_json_atomic(self.run_dir / "config.json", {
                "config": self.config.model_dump(mode="json"), "dataset": self.dataset.describe(),
                "model": self.model_config.to_dict(), "loss": self.loss_name, "input": self.spec.to_dict(),
                "execution": self.plan.to_dict(), "device": str(self.device), "world_size": self.dist.world_size,
                "hardware": hardware(self.device), "commit": git_commit(),
                "initial_weights": self.initial_weights.to_dict() if self.initial_weights else None,
            })
        if self.dist.is_main and self.config.pictures and not self.resume:
            self._draw_start_pictures()
        steps_per_epoch = self.batches.batches_per_epoch()
        self.spent_s = sum(float(row.get(self.budget_column) or 0) for row in history)
        if self.budget_s:  # the bar counts the budget's seconds: share used and time left at a glance
            bar = tqdm(total=round(self.budget_s), initial=round(min(self.spent_s, self.budget_s)),
                       desc=f"train {self.config.model} ({self.config.time_budget_clock} budget)",
                       unit=f" {self.config.time_budget_clock}-s", disable=not self.progress, dynamic_ncols=True,
                       bar_format="{desc}: {percentage:3.0f}%|{bar}| {n:.0f}/{total_fmt} s [{elapsed}<{remaining}{postfix}]")
        else:
            bar = tqdm(total=self.total_steps, initial=start_epoch * steps_per_epoch, desc=f"train {self.config.model}",
                       unit="step", disable=not self.progress, dynamic_ncols=True)
        stopped_early = stopped_on_time = False
        epoch = start_epoch
        if self.budget_s and self.spent_s >= self.budget_s:
            raise ConfigError(f"{self.run_dir}: this run already spent its time budget ({self.budget_s:.0f} s); "
                              f"to train longer, start a new run from its weights: --init {self.run_dir / 'best'} "
                              "--name NEW_NAME --time-budget DURATION")
        try:
            for epoch in range(start_epoch + 1, self.config.epochs + 1):
                epoch_start, cpu_start, self.epoch_started = time.perf_counter(), time.process_time(), self.clock()
                train_loss = self._train_epoch(epoch, bar)
                last = epoch == self.config.epochs
                if self.budget_s:  # stop before an epoch that would end past the budget (validation included)
                    spent = self.spent_s + self.clock() - self.epoch_started
                    per_epoch = spent / epoch
                    stopped_on_time = spent + per_epoch > self.budget_s
                    last = last or stopped_on_time
                validate = bool(self.val_items) and (epoch % self.config.val_every == 0 or last)
                score = self._validate() if validate else math.nan
                if not self.val_items:  # nothing to select on: the latest epoch is the best we know
                    improved, self.best_epoch = True, epoch
                elif validate and score > self.best_score:
                    improved, self.best_score, self.best_epoch, self.stale_epochs = True, score, epoch, 0
                else:
                    improved = False
                    self.stale_epochs += int(validate) * self.config.val_every
                row = {"epoch": epoch, "train_loss": round(train_loss, 6), "val_score": round(score, 6),
                       "lr": self.optimizer.param_groups[0]["lr"],
                       "epoch_time_s": round(time.perf_counter() - epoch_start, 3),
                       "epoch_cpu_s": round(time.process_time() - cpu_start, 3),
                       "best_score": round(self.best_score, 6), "best_epoch": self.best_epoch}
                history.append(row)
                self.spent_s += row[self.budget_column]
                self._save(epoch, score, improved, history)
                log.append(row)
                if improved and validate and self.dist.is_main and self.config.pictures:
                    self._draw_validation()
                bar.set_postfix(epoch=epoch, loss=f"{train_loss:.4f}", val=f"{score:.4f}", best=f"{self.best_score:.4f}")
                if stopped_on_time:  # the budget ends the run whatever patience says
                    break
                if self.config.patience and self.stale_epochs >= self.config.patience:
                    stopped_early = True
                    break
        finally:
            bar.close()
            log.close()
        result = TrainResult(self.run_dir, self.best_score, self.best_epoch, epoch, stopped_early,
                             round(time.perf_counter() - started, 2), history, self.dist.rank, stopped_on_time,
                             training_time_s=round(self.spent_s, 2), time_budget_s=self.budget_s,
                             time_budget_clock=self.config.time_budget_clock)
        if self.dist.is_main:
            write_json_atomic(self.run_dir / "train_summary.json", {
                "best_val_score": self.best_score, "headline": self.headline, "best_epoch": self.best_epoch,
                "epochs_run": epoch, "stopped_early": stopped_early, "wall_time_s": result.wall_time_s,
                "time_budget_s": self.budget_s, "time_budget_clock": self.config.time_budget_clock,
                "stopped_on_time_budget": stopped_on_time, "stop_reason": result.stop_reason,
                "recipe": self.config.recipe.model_dump(), "training_time_s": round(self.spent_s, 2),
                "resumed": self.resume, "device": str(self.device), "world_size": self.dist.world_size,
                "hardware": hardware(self.device), "commit": git_commit(),
            })
        return result

    def _refuse_finished(self, epoch: int) -> None:
        """--resume continues an interrupted run; one that ended (on time, early or at its last epoch) is done."""
        path = self.run_dir / "train_summary.json"
        try:
            summary = read_json(path) if path.is_file() else {}
        except (OSError, ValueError):
            summary = {}
        if not isinstance(summary, dict) or summary.get("epochs_run") != epoch:
            return
        why = ("its time budget was reached" if summary.get("stopped_on_time_budget")
               else "it stopped early" if summary.get("stopped_early") else f"all {epoch} epochs ran")
        longer = "--time-budget DURATION" if self.budget_s else "--epochs N"
        raise ConfigError(f"{self.run_dir}: this run already finished ({why}); to train longer, start a new run "
                          f"from its weights: --init {self.run_dir / 'best'} --name NEW_NAME {longer}")

    def _advance(self, bar: tqdm) -> None:
        """One step on the bar: a step without a budget, the seconds of budget spent so far with one."""
        if not self.budget_s:
            bar.update(1)
            return
        spent = min(self._budget_progress(), 1.0) * self.budget_s
        if spent > bar.n:
            bar.update(spent - bar.n)

    def _budget_progress(self) -> float:
        return (self.spent_s + self.clock() - self.epoch_started) / self.budget_s if self.budget_s else 0.0

    def _progress(self) -> float:
        """How far through the schedule training is (0-1): by budget spent, else by steps taken; 1 while the
        execution plan is measured (before the schedule exists), so it is measured at full size."""
        if not hasattr(self, "scheduler"):
            return 1.0
        if self.budget_s:
            return self._budget_progress()
        return self.scheduler.last_epoch / max(1, self.total_steps)

    @property
    def budget_column(self) -> str:
        return "epoch_cpu_s" if self.config.time_budget_clock == "cpu" else "epoch_time_s"

    @property
    def scored_model(self) -> nn.Module:
        """What validation scores and checkpoints hold: the weight average when there is one."""
        return self.ema.module if self.ema is not None else self.model


def inherit_from_init(config: TrainConfig) -> tuple[TrainConfig, list[str]]:
    """`config` with what its --init weights were trained with wherever the config does not say otherwise: the
    model, and the input mode, size and scale (fine-tuning `mininet:drive` on resized images instead of its 128 px
    patches costs accuracy). The mask rules stay the new folder's own: they describe that dataset, not the
    weights. Returns the config and what was taken, for one line to the user."""
    from litemedseg.checkpoint import CheckpointRecord, read_checkpoint

    _, meta = read_checkpoint(resolve_weights(config.init))
    record = CheckpointRecord.from_meta(meta, config.init)
    data = config.model_dump(exclude_unset=True)
    taken: list[str] = []
    if "model" not in config.model_fields_set:
        data["model"] = record.model.name
        taken.append(f"model {record.model.name}")
    spec = record.input
    if spec is not None:
        chosen = config.input.model_fields_set
        inherited = {key: value for key, value in (("mode", spec.mode), ("size", list(spec.size)),
                                                   ("scale", spec.scale)) if key not in chosen}
        if inherited:
            data["input"] = {**data.get("input", {}), **inherited}
            taken.append("input " + ", ".join(f"{k} {v}" for k, v in inherited.items()))
    return TrainConfig.model_validate(data), taken


def image_size_summary(sizes: list[tuple[int, int]]) -> dict[str, list[int]]:
    """Median, smallest and largest (H, W) of the training images at their original size: predict, evaluate
    and serve say when an image is far from them."""
    heights, widths = sorted(h for h, _ in sizes), sorted(w for _, w in sizes)
    middle = len(sizes) // 2
    return {"median": [int(heights[middle]), int(widths[middle])], "min": [heights[0], widths[0]],
            "max": [heights[-1], widths[-1]]}


def train(config: TrainConfig, resume: bool = False) -> TrainResult:
    """Train `config` (resuming its run folder when `resume`); see Trainer."""
    return Trainer(config, resume).run()
