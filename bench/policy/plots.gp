# Plots of the policy evaluation (bench/policy/README.md), run by plots.sh from
# bench/policy:  gnuplot plots.gp
#   plots/curves.png  cost against SLO attainment, each policy family's Pareto front over
#                     its knob sweep (run_eval.py), one panel per scenario
#                     (data: results/curves/<name>.dat from curves_data.py)
#   plots/boot.png    cost at matched attainment >= 99.9 % and violation minutes at
#                     target 0.6 against the boot delay (results/boot.dat)
#   plots/spot.png    sculpt's cost / sculpt-on-demand's against the spot price, one line
#                     per interruption rate (results/spot.dat)
set terminal pngcairo size 1200,720 font "sans,9"
set output "plots/curves.png"
set multiplot layout 2,3 title "Cost against SLO attainment (Pareto front of each policy's knob sweep; x: 1 - attainment, log; 1e-5 = full attainment)"
set logscale x
set xrange [1:5e-6]
set format x "%.0e"
set xlabel "1 - SLO attainment"
set ylabel "cost USD (measured period)"
set grid
set key off
set arrow 1 from 1e-3, graph 0 to 1e-3, graph 1 nohead dt 3 lc "gray40"
set style line 1 lc "#d62728" pt 7 ps 0.6 lw 1.5
set style line 2 lc "#9467bd" pt 5 ps 0.6 lw 1.5
set style line 3 lc "#ff7f0e" pt 9 ps 0.7 lw 1.5
set style line 4 lc "#2ca02c" pt 13 ps 0.7 lw 2
set style line 5 lc "#1f77b4" pt 11 ps 0.7 lw 2
do for [s in "demo campaign eia nasa nab"] {
  set title s
  plot for [i=0:4] "results/curves/".s.".dat" index i using 1:2 with linespoints ls (i+1)
}
unset arrow 1
set title "legend (dotted line: 99.9 %)"
set key center center box
unset border; unset tics; unset xlabel; unset ylabel; unset grid
unset logscale x; set xrange [0:1]; set yrange [0:1]
plot for [i=1:5] NaN with linespoints ls i \
     title word("reactive snaive-predictive aws-predictive sculpt sculpt-on-demand", i)
unset multiplot

reset
set terminal pngcairo size 1100,420 font "sans,9"
set output "plots/boot.png"
set multiplot layout 1,2 title "Demo (4 d measured, 2 seeds) against the boot delay (lognormal, p95 = 1.6 x median)"
set xlabel "boot delay median, s"
set grid
set key top left
set logscale x
set xtics (60, 180, 420, 900)
set xrange [50:1100]
set ylabel "cost USD at matched attainment >= 99.8 %"
set title "cost at matched attainment (cheapest of targets 0.4-0.7)"
plot for [i=0:3] "results/boot.dat" using 1:(column(2+3*i)) with linespoints lw 2 pt 7 \
     title word("reactive aws-predictive sculpt sculpt-on-demand", i+1)
set ylabel "violation minutes at target 0.6"
set title "violation minutes at target 0.6"
plot for [i=0:3] "results/boot.dat" using 1:(column(4+3*i)) with linespoints lw 2 pt 7 \
     title word("reactive aws-predictive sculpt sculpt-on-demand", i+1)
unset multiplot

reset
set terminal pngcairo size 640,420 font "sans,9"
set output "plots/spot.png"
set title "sculpt with spot: cost / sculpt-on-demand's cost (demo, 4 d, 2 seeds)"
set xlabel "spot price / on-demand price"
set ylabel "cost ratio"
set grid
set key top left title "interruptions / instance-hour"
set yrange [0:1.1]
plot for [i=2:5] "results/spot.dat" using 1:i with linespoints lw 2 pt 7 \
     title word("0.005 0.02 0.05 0.2", i-1), \
     1 - 0.5 * (1 - x) dt 2 lc "gray30" title "half the fleet on spot: 1 - 0.5 (1 - m)"
