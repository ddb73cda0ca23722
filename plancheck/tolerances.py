"""Every geometric tolerance plancheck uses, in one place (metres unless noted).

They are written into each report's provenance so a reviewer knows how a number was measured.
"""

#: First and last vertex closer than this close an outline (PCDS-1 §2), with a DRW-CLOSE warning.
CLOSE_GAP_M = 0.01
#: Loose linework (LINE, ARC, open polylines) on an outline layer is chained into closed
#: outlines where endpoints lie within this distance of each other (or of another line).
CHAIN_SNAP_M = 0.01
#: Arcs (polyline bulges, ARC, CIRCLE) are flattened to chords whose sagitta is at most this.
ARC_FLATTEN_M = 0.01
#: A window line lies on a building edge when it is within this distance of it (PCDS-1 §5).
WINDOW_ON_EDGE_M = 0.05
#: Road-width text belongs to a red-line entity within this distance (PCDS-1 §5).
ROAD_LABEL_RADIUS_M = 30.0
#: Site-area plausibility window for declared units (PCDS-1 §1), in m².
SITE_AREA_MIN_M2 = 50.0
SITE_AREA_MAX_M2 = 5_000_000.0
#: Consecutive vertices closer than this are merged.
VERTEX_MERGE_M = 1e-6
#: Two measured lengths are compared with this slack: a value within it of the limit passes.
COMPARE_M = 1e-6
#: Two ratios (FAR, density, green ratio) are compared with this slack.
COMPARE_RATIO = 1e-6
#: Several PC-NORTH arrows agree when they point within this many degrees of the first one.
NORTH_AGREE_DEG = 0.01
#: A site edge lies on a road red line (or river blue line) where it runs within this distance of
#: it: there 第三十四—三十八条 (第四十条) govern, not 第三十三条 (rulesets/shanghai/clauses/setback.yaml).
BOUNDARY_ON_LINE_M = 0.5
#: A proposed mass may stick out of the site by at most this area (m²) before DRW-OUTSIDE fires.
OUTSIDE_AREA_M2 = 0.01


def as_dict() -> dict[str, float]:
    """The tolerances as written into report provenance."""
    return {
        "close_gap_m": CLOSE_GAP_M,
        "chain_snap_m": CHAIN_SNAP_M,
        "arc_flatten_m": ARC_FLATTEN_M,
        "window_on_edge_m": WINDOW_ON_EDGE_M,
        "road_label_radius_m": ROAD_LABEL_RADIUS_M,
        "site_area_min_m2": SITE_AREA_MIN_M2,
        "site_area_max_m2": SITE_AREA_MAX_M2,
        "compare_m": COMPARE_M,
        "compare_ratio": COMPARE_RATIO,
        "outside_area_m2": OUTSIDE_AREA_M2,
        "boundary_on_line_m": BOUNDARY_ON_LINE_M,
        "north_agree_deg": NORTH_AGREE_DEG,
        "sun_origin_offset_m": SUN_ORIGIN_OFFSET_M,
        "sun_tie_m": SUN_TIE_M,
        "angle_eps_deg": ANGLE_EPS_DEG,
        "sun_minutes_eps": SUN_MINUTES_EPS,
    }

#: Two directions compare with this slack (degrees): "within 45° (inclusive)" of the spacing rules
#: (parallel / perpendicular, 南北向 / 东西向) and of the facade orientation classes; far below any
#: drawing's precision, above float rounding of atan2.
ANGLE_EPS_DEG = 1e-9
#: Sunlight minutes compare with this slack: a window meets its requirement at minutes >= required
#: − this; an existing home is no worse when it loses at most this many minutes (不得恶化). Minutes
#: are counts of whole steps: the slack only absorbs float rounding.
SUN_MINUTES_EPS = 1e-9

#: Outline coordinates in report.json are rounded to this many decimals (0.1 mm); measured
#: values and dimension endpoints are written unrounded.
REPORT_COORD_DECIMALS = 4

#: Sunlight receivers: each sample point is moved this far out of its wall, along the facade's outward
#: normal, before rays are cast (so rounding can never put it inside its own building). The shading kernel
#: uses the same distance as its skin: a prism that the ray leaves within this horizontal distance of its
#: origin does not block it (the origin sits on, or just inside, that prism's wall), so a point given
#: exactly on a wall is treated as if it had been offset. 5 cm is below the 0.3 m window sampling of
#: the Shanghai rules (sunlight analysis, 第十一条) and any wall thickness.
SUN_ORIGIN_OFFSET_M = 0.05
#: Two prisms whose entry distances along a sun ray differ by at most this are met at the same point (masses
#: sharing a wall); the smaller index is reported as the blocker. Far above float64 rounding, far below drawing.
SUN_TIE_M = 1e-9


# -- reading drawings as design institutes draw them (issue #16) -----------------------------
# Thresholds of the extractor's reading rules, not measurement tolerances: they decide what an
# outline or a text is, never a measured value, and are not written into reports.

#: A CIRCLE on a building layer up to this area (m²) is a tag (楼号圈), not a building.
TAG_CIRCLE_MAX_M2 = 80.0
#: A CIRCLE on a green layer up to this area (m²) is a tree symbol, not a green area.
TREE_CIRCLE_MAX_M2 = 30.0
#: An outline around labelled buildings covering at least this share of the site is a zone.
ZONE_SITE_SHARE = 0.5
#: An outline around this many labelled buildings is a zone (建筑控制线, 地库), not a building.
ZONE_MIN_ENCLOSED = 3
#: A leader joins a label when one end lies within this many text heights of the label's box
#: (and at least LEADER_REACH_MIN_M) and the other inside an outline.
LEADER_REACH_H = 3.0
LEADER_REACH_MIN_M = 1.5
#: A label outside every outline without a leader belongs to the nearest outline within this
#: many text heights (at least NEAR_MIN_M) when the next one is NEAR_RATIO times as far.
NEAR_H = 3.0
NEAR_MIN_M = 4.0
NEAR_RATIO = 2.0
#: Road red lines: straight runs at least this long belong to one road; runs turning more than
#: ROAD_TURN_MIN_DEG meet at a corner (two roads); a side of a centre-line road is drawn when a
#: red line lies within ROAD_SIDE_DRAWN_M of it.
ROAD_RUN_MIN_M = 15.0
ROAD_TURN_MIN_DEG = 30.0
ROAD_SIDE_DRAWN_M = 1.5
