from k8ssim.cli import main

raise SystemExit(main())
