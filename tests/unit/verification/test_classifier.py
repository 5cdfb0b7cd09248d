"""The ONNX model through the production preprocessing, on real photographs."""

import io

import numpy as np
import pytest
from PIL import Image

from ecopulse.verification.facts import cosine_similarity, embedding_vector
from ecopulse.verification.image import load_photo
from ecopulse.verification.scoring import NOT_WASTE, WASTE_TYPES, model_input
from tests.unit.verification.pictures import encode, opencv_photo, skimage_photo


def load(data: bytes):
    return load_photo(data, 10_000_000, 50_000_000)


def lighter_close_up() -> bytes:
    desk = Image.open(io.BytesIO(opencv_photo("stuff.jpg"))).convert("RGB")
    return encode(desk.crop((250, 290, 430, 470)), "PNG")


@pytest.mark.parametrize(
    ("data", "waste_type"),
    [
        (opencv_photo("fruits.jpg"), "organic"),
        (opencv_photo("board.jpg"), "e_waste"),
        (lighter_close_up(), "mixed"),
        (encode(skimage_photo("astronaut")), NOT_WASTE),
        (encode(skimage_photo("chelsea")), NOT_WASTE),
    ],
    ids=["fruit", "circuit-board", "lighter", "astronaut", "cat"],
)
def test_real_photos_get_the_waste_type_a_person_would_give(classifier, data, waste_type):
    result = classifier.classify(load(data))
    assert result.waste_type == waste_type
    assert (result.waste_probability >= 0.45) == (waste_type != NOT_WASTE)


def test_scores_are_probabilities_and_the_top_labels_are_imagenet_names_best_first(classifier):
    result = classifier.classify(load(lighter_close_up()))
    assert set(result.type_scores) == {*WASTE_TYPES, NOT_WASTE}
    assert sum(result.type_scores.values()) == pytest.approx(1.0)
    assert result.waste_probability == pytest.approx(1 - result.type_scores[NOT_WASTE])
    assert result.top_labels[0].label.startswith("lighter")
    probabilities = [label.probability for label in result.top_labels]
    assert len(probabilities) == 5 and probabilities == sorted(probabilities, reverse=True)


def test_the_embedding_is_kept_as_1280_float16_values_that_tell_scenes_apart(classifier):
    first = classifier.classify(load(opencv_photo("aloeL.jpg"))).embedding
    second_view = classifier.classify(load(opencv_photo("aloeR.jpg"))).embedding
    unrelated = classifier.classify(load(opencv_photo("baboon.jpg"))).embedding
    assert len(first) == 1280 * 2 and embedding_vector(first).shape == (1280,)
    assert cosine_similarity(first, second_view) > 0.65 > cosine_similarity(first, unrelated)


def test_the_model_sees_the_centre_224_pixels_of_the_view_scaled_around_127():
    view = Image.new("RGB", (384, 256), (255, 255, 255))
    view.paste((127, 127, 127), (80, 16, 304, 240))
    tensor = model_input(view)
    assert tensor.shape == (1, 3, 224, 224) and tensor.dtype == np.float32
    assert np.all(tensor == 0.0)


def test_the_session_runs_on_one_thread(classifier):
    assert classifier.session.get_session_options().intra_op_num_threads == 1
