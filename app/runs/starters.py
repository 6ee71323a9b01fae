"""Starting points for the playground: each lesson's examples, and small programs that turn one retracing
knob each, so a learner can run them in both modes and watch the Traces column change."""

from dataclasses import dataclass

from app.content.library import Library


@dataclass(frozen=True)
class Starter:
    key: str
    title: str
    code: str


_HEAD = "import tensorflow as tf\n\n"
KNOBS = (
    Starter("python-numbers", "Python numbers as arguments", _HEAD + """\
@tf.function
def scale(x):
    print("tracing scale for", x)
    return x * 2

for value in [1, 2, 3, 2]:
    print(scale(value))
"""),
    Starter("tensor-arguments", "Tensors as arguments", _HEAD + """\
@tf.function
def scale(x):
    print("tracing scale for", x)
    return x * 2

for value in [1, 2, 3, 2]:
    print(scale(tf.constant(value)))
"""),
    Starter("input-signature", "input_signature with a None dimension", _HEAD + """\
@tf.function(input_signature=[tf.TensorSpec(shape=[None], dtype=tf.float32)])
def total(x):
    print("tracing total for", x)
    return tf.reduce_sum(x)

for length in [1, 2, 3]:
    print(total(tf.ones([length])))
"""),
    Starter("reduce-retracing", "reduce_retracing=True", _HEAD + """\
@tf.function(reduce_retracing=True)
def total(x):
    print("tracing total for", x)
    return tf.reduce_sum(x)

for length in [1, 2, 3]:
    print(total(tf.ones([length])))
"""),
    Starter("jit-compile", "jit_compile=True (XLA)", _HEAD + """\
@tf.function(jit_compile=True)
def step(x):
    print("tracing step for", x)
    return tf.nn.relu(x @ tf.transpose(x))

print(step(tf.ones([2, 3])))
print(step(tf.ones([2, 3])))
"""),
)
DEFAULT = KNOBS[0]


def starter(*, library: Library, key: str | None) -> Starter | None:
    """The starting point `key` names: a knob ("reduce-retracing") or a lesson's example ("slug:2"); None if
    it names nothing."""
    if not key:
        return None
    knob = next((s for s in KNOBS if s.key == key), None)
    if knob is not None:
        return knob
    slug, _, number = key.partition(":")
    lesson = library.get(slug)
    if lesson is None or not number.isdigit() or not 1 <= int(number) <= len(lesson.examples):
        return None
    example = lesson.examples[int(number) - 1]
    return Starter(key, f"{lesson.title}: {example.description}", example.code)
