"""The simulation's plots tell the truth: plain numbers from 0, the change said in words, legends off the lines."""
import pytest

from simulator.report import figures

DAYS = 31


def summary():
    """A run where stock falls 0.5% (1,000,000 → 995,000) while balances and orders move."""
    return {"scenario": "t", "seed": 1, "series": [
        {"day": d, "balance_total": str(5000 - 10 * d), "balance_median": str(50 - d / 10), "balance_p10": "12.5",
         "live_orders": 100 + d, "active_orders": d % 7, "stock": 1_000_000 - round(5000 * d / (DAYS - 1))}
        for d in range(DAYS)]}


@pytest.fixture(scope="module")
def drawn():
    import matplotlib.pyplot as plt

    made = dict(figures(summary()))
    for fig in made.values():
        fig.canvas.draw()  # tick labels, offsets and legend boxes exist only once drawn
    yield made
    for fig in made.values():
        plt.close(fig)


def test_three_plots(drawn):
    assert list(drawn) == ["balances.png", "orders.png", "stock.png"]


@pytest.mark.parametrize("name", ["balances.png", "orders.png", "stock.png"])
def test_axes_start_at_zero_with_plain_numbers(drawn, name):
    for ax in drawn[name].axes:
        assert ax.get_ylim()[0] == 0, ax.get_ylabel()
        top = max(max(line.get_ydata()) for line in ax.get_lines())
        assert ax.get_ylim()[1] >= 1.05 * top  # the highest line stays clear of the frame
        assert ax.yaxis.get_offset_text().get_text() == ""  # no "1e6" or "+9.95e5" above the axis
        assert not any("e" in t.get_text() for t in ax.get_yticklabels())


def test_stock_plot_says_the_change_in_words(drawn):
    ax = drawn["stock.png"].axes[0]
    assert ax.get_ylim()[1] >= 1_000_000
    assert [t.get_text() for t in drawn["stock.png"].legends[0].get_texts()] == [
        "stock: 1,000,000 → 995,000 (−0.50%)"]


@pytest.mark.parametrize("name", ["balances.png", "orders.png", "stock.png"])
def test_legends_sit_outside_the_plotting_area(drawn, name):
    fig = drawn[name]
    renderer = fig.canvas.get_renderer()
    assert [lg for ax in fig.axes for lg in [ax.get_legend()] if lg] == []  # none inside an axes
    box = fig.legends[0].get_window_extent(renderer)
    for ax in fig.axes:
        assert not box.overlaps(ax.get_window_extent(renderer)), (name, box, ax.get_window_extent(renderer))
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert len(labels) == sum(len(ax.get_lines()) for ax in fig.axes)  # every line is named
