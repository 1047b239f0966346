// PNG export of a study's figure: the server-rendered SVG is rasterised at 2× on a canvas and downloaded.
window.layerlabStudy = {
  downloadPng(containerId, fileName) {
    const svg = document.querySelector(`#${containerId} svg`);
    if (!svg) throw new Error('no figure on the page');
    const width = svg.width.baseVal.value, height = svg.height.baseVal.value, scale = 2;
    const url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(svg)], { type: 'image/svg+xml' }));
    const image = new Image();
    image.onload = () => {
      const canvas = document.createElement('canvas');
      canvas.width = width * scale; canvas.height = height * scale;
      const context = canvas.getContext('2d');
      context.scale(scale, scale);
      context.drawImage(image, 0, 0);
      URL.revokeObjectURL(url);
      canvas.toBlob(blob => {
        const link = document.createElement('a');
        link.href = URL.createObjectURL(blob); link.download = fileName;
        document.body.appendChild(link); link.click(); link.remove();
      }, 'image/png');
    };
    image.src = url;
  },
};
