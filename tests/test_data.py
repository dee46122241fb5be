"""varlib.core.data: digits split, idx / CIFAR pickle readers on tiny self-written files, registry errors."""
import gzip
import pickle
import struct

import numpy as np
import pytest
import torch

from varlib.core.data import (CIFAR10_FILES, FASHION_MNIST_DIR, MNIST_FILES, load_cifar10_gray, load_dataset,
                              load_digits_dataset, load_fashion_mnist, load_mnist, make_teacher_dataset, minibatches,
                              read_idx)


def _write_idx(path, arr: np.ndarray, gz: bool) -> None:
    header = bytes([0, 0, 0x08, arr.ndim]) + b"".join(struct.pack(">I", s) for s in arr.shape)
    payload = header + arr.astype(np.uint8).tobytes()
    (gzip.open if gz else open)(path, "wb").write(payload)


def _fake_mnist(root, gz: bool, n_train=6, n_test=4, seed=0):
    rng = np.random.default_rng(seed)
    arrays = {"train_images": rng.integers(0, 256, (n_train, 28, 28)), "train_labels": rng.integers(0, 10, n_train),
              "test_images": rng.integers(0, 256, (n_test, 28, 28)), "test_labels": rng.integers(0, 10, n_test)}
    for key, name in MNIST_FILES.items():
        _write_idx(root / (name + (".gz" if gz else "")), arrays[key], gz)
    return arrays


@pytest.mark.parametrize("gz", [False, True])
def test_mnist_reader_roundtrip(tmp_path, gz):
    arrays = _fake_mnist(tmp_path, gz)
    assert read_idx(tmp_path / (MNIST_FILES["train_images"] + (".gz" if gz else ""))).shape == (6, 28, 28)
    ds = load_mnist(tmp_path, scaling="none")
    assert ds.X_train.shape == (6, 784) and ds.X_test.shape == (4, 784) and ds.dim == 784
    assert torch.equal(ds.X_train, torch.tensor(arrays["train_images"].reshape(6, -1), dtype=torch.float32))
    assert torch.equal(ds.y_test, torch.tensor(arrays["test_labels"]))
    std = load_mnist(tmp_path, scaling="standardize", dtype=torch.float64)
    expected = (arrays["train_images"].reshape(6, -1) / 255 - 0.1307) / 0.3081
    assert np.allclose(std.X_train.numpy(), expected, atol=1e-12)


def test_fashion_mnist_reader_uses_its_own_statistics(tmp_path):
    folder = tmp_path / "fashion-mnist"  # Debian's layout one level down: found too
    folder.mkdir()
    arrays = _fake_mnist(folder, gz=True, seed=3)
    ds = load_fashion_mnist(tmp_path, dtype=torch.float64)
    assert ds.name == "fashion_mnist" and ds.X_train.shape == (6, 784) and ds.X_test.shape == (4, 784)
    train = arrays["train_images"].reshape(6, -1) / 255
    assert np.allclose(ds.X_train.numpy(), (train - train.mean()) / train.std(), atol=1e-12)  # not MNIST's constants
    assert abs(float(ds.X_train.mean())) < 1e-12 and abs(float(ds.X_train.std(unbiased=False)) - 1) < 1e-12
    test = arrays["test_images"].reshape(4, -1) / 255
    assert np.allclose(ds.X_test.numpy(), (test - train.mean()) / train.std(), atol=1e-12)
    assert torch.equal(load_dataset("fashion_mnist", data_dir=folder, scaling="none").y_train,
                       torch.tensor(arrays["train_labels"]))


def test_fashion_mnist_missing_says_how_to_install(tmp_path):
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)


@pytest.mark.skipif(not FASHION_MNIST_DIR.is_dir(), reason="Debian's dataset-fashion-mnist is not installed")
def test_fashion_mnist_real_files():
    ds = load_dataset("fashion_mnist")
    assert ds.X_train.shape == (60000, 784) and ds.X_test.shape == (10000, 784) and ds.n_classes == 10
    assert torch.bincount(ds.y_train).tolist() == [6000] * 10 and torch.bincount(ds.y_test).tolist() == [1000] * 10
    raw = load_dataset("fashion_mnist", scaling="unit")
    assert abs(float(raw.X_train.mean()) - 0.2860) < 1e-3  # Fashion-MNIST's pixel mean, not MNIST's 0.1307


def test_read_idx_rejects_garbage(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x03\x04rest")
    with pytest.raises(ValueError, match="not an idx file"):
        read_idx(tmp_path / "bad")


def test_cifar_gray_reader(tmp_path):
    rng = np.random.default_rng(1)
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    batches = {}
    for name in CIFAR10_FILES:
        data = rng.integers(0, 256, (3, 3072)).astype(np.uint8)
        batches[name] = (data, [int(v) for v in rng.integers(0, 10, 3)])
        pickle.dump({b"data": data, b"labels": batches[name][1]}, open(folder / name, "wb"))
    ds = load_cifar10_gray(tmp_path, scaling="unit", dtype=torch.float64)  # finds the subfolder
    assert ds.X_train.shape == (15, 1024) and ds.X_test.shape == (3, 1024)
    r, g, b = batches["data_batch_2"][0][1].reshape(3, 1024).astype(float)  # image 1 of batch 2 = row 4
    assert np.allclose(ds.X_train[4].numpy(), (0.299 * r + 0.587 * g + 0.114 * b) / 255, atol=1e-12)
    assert ds.y_test.tolist() == batches["test_batch"][1]


def test_missing_files_name_the_files_and_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte") as err:
        load_dataset("mnist", data_dir=tmp_path)
    assert str(tmp_path) in str(err.value)
    with pytest.raises(FileNotFoundError, match="data_batch_1"):
        load_dataset("cifar10_gray", data_dir=tmp_path)
    with pytest.raises(ValueError, match="data_dir"):
        load_dataset("mnist")


def test_registry_and_bad_arguments():
    with pytest.raises(ValueError, match="allowed: digits, mnist, fashion_mnist, cifar10_gray, teacher"):
        load_dataset("imagenet")
    with pytest.raises(ValueError, match="scaling must be one of"):
        load_digits_dataset(scaling="minmax")
    with pytest.raises(ValueError, match="batch_size"):
        minibatches(torch.zeros(4, 2), torch.zeros(4), batch_size=5, steps=1)


def test_digits_split_is_seeded_and_standardised():
    a, b = load_digits_dataset(seed=3), load_dataset("digits", seed=3)
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.y_test, b.y_test)
    assert a.X_train.shape[1] == 64 and a.n_classes == 10 and len(a.y_train) + len(a.y_test) == 1797
    assert abs(a.X_train.mean().item()) < 1e-5 and abs(a.X_train.std().item() - 1) < 1e-3
    c = load_digits_dataset(seed=4, scaling="unit")
    assert not torch.equal(a.y_train, c.y_train) and 0.0 <= c.X_train.min() and c.X_train.max() <= 1.0


def test_teacher_and_minibatches():
    ds = make_teacher_dataset(200, 50, d=10, K=4, seed=0)
    assert ds.X_train.shape == (200, 10) and ds.n_classes == 4
    batches = minibatches(ds.X_train, ds.y_train, batch_size=64, steps=7, seed=0)
    assert len(batches) == 7 and all(x.shape == (64, 10) for x, _ in batches)
    first_epoch = torch.cat([x for x, _ in batches[:3]])
    assert len(torch.unique(first_epoch, dim=0)) == 192  # no repeats within an epoch
