/**
 * A small ECharts wrapper for the cockpit. Only the parts used are registered (line and bar charts,
 * grid, tooltip, legend, canvas renderer), and this module is imported only by the lazily loaded
 * cockpit chunk, so ECharts never weighs on the app shell.
 */
import { useEffect, useRef } from "preact/hooks";
import * as echarts from "echarts/core";
import { BarChart, LineChart } from "echarts/charts";
import type { BarSeriesOption, LineSeriesOption } from "echarts/charts";
import { GridComponent, LegendComponent, TooltipComponent } from "echarts/components";
import type { GridComponentOption, LegendComponentOption, TooltipComponentOption } from "echarts/components";
import { CanvasRenderer } from "echarts/renderers";

echarts.use([LineChart, BarChart, GridComponent, TooltipComponent, LegendComponent, CanvasRenderer]);

export type ChartOption = echarts.ComposeOption<
  LineSeriesOption | BarSeriesOption | GridComponentOption | TooltipComponentOption | LegendComponentOption
>;

/**
 * Draws `option` into a div of `height` px. The chart is an image to assistive technology
 * (`label` describes it); the same numbers are always also given as a table beside it.
 */
export function Chart({ option, height, label, testid }: { option: ChartOption; height: number; label: string; testid?: string }) {
  const el = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    if (!el.current) return;
    const c = echarts.init(el.current, undefined, { renderer: "canvas" });
    chart.current = c;
    const ro = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => c.resize()) : null;
    ro?.observe(el.current);
    return () => {
      ro?.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, true);
  }, [option]);

  return <div ref={el} class="ck-chart" style={{ height: `${height}px` }} role="img" aria-label={label} data-testid={testid} />;
}
