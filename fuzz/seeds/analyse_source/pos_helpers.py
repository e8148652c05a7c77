# GIL105 through sync helpers: coroutines call a heavy helper from scoring.py, a local
# helper that calls it (two-step chain), a recursive tree walk, and self._cooccurrence()
# with a three-deep loop. Reported at the call inside the coroutine.
from scoring import pairwise_similarity


def count_nodes(tree):
    total = 1
    for child in tree.get("children", []):
        total += count_nodes(child)
    return total


def build_ranking(docs):
    scores = pairwise_similarity([d["vector"] for d in docs])
    return [max(row) for row in scores]


class Recommender:
    def __init__(self, baskets):
        self.baskets = baskets

    def _cooccurrence(self):
        counts = {}
        for basket in self.baskets:
            for a in basket:
                for b in basket:
                    if a != b:
                        counts[(a, b)] = counts.get((a, b), 0) + 1
        return counts

    async def recommend(self, item):
        counts = self._cooccurrence()  # expect: GIL105
        ranked = sorted(counts.items(), key=lambda kv: kv[1], reverse=True)
        return [pair[1] for pair, _ in ranked if pair[0] == item][:10]


async def cluster_handler(request):
    payload = await request.json()
    matrix = pairwise_similarity(payload["vectors"])  # expect: GIL105
    return {"matrix": matrix}


async def rank_handler(request):
    docs = (await request.json())["docs"]
    ranking = build_ranking(docs)  # expect: GIL105
    return {"ranking": ranking}


async def tree_stats(request):
    tree = await request.json()
    size = count_nodes(tree)  # expect: GIL105
    return {"nodes": size}
